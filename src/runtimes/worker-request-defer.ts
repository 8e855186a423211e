// Workers: each request's own deferred work. The node defers work from deep inside its services
// (src/node/assemble.ts), far from the request; the runtime's async context (AsyncLocalStorage,
// with nodejs_compat) finds the request's waitUntil from there, and from work that work starts.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Defer, RequestDefer } from "../node/settings/platform.ts";

const requests = new AsyncLocalStorage<Defer>();

export const workerRequestDefer: RequestDefer = {
  run: (defer, handle) => requests.run(defer, handle),
  current: () => requests.getStore(),
};
