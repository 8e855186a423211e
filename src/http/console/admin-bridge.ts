// The console's only way to read or change the node: a request to the admin API inside the same
// app (as the CLI would send it, with the admin token), so that every action takes the admin
// API's checks and lands in the audit trail as the CLI's would.
import type { Context, Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";

export type AdminRequest = (c: Context, method: string, path: string, body?: unknown) => Promise<Response>;

/** `requestScoped`: the platform's I/O belongs to the request (Workers), which then has an execution context to pass on. */
export function adminBridge(app: Hono<AppEnv>, adminToken: string, requestScoped: boolean): AdminRequest {
  return async (c, method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const init: RequestInit = { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
    // Workers: the admin route defers its work to the same request. Node and Deno have no context,
    // and asking Hono for it there throws (an Error and its stack on every read).
    const executionCtx = requestScoped ? c.executionCtx : undefined;
    return app.request(new URL(`/admin${path}`, c.req.url).href, init, c.env, executionCtx);
  };
}
