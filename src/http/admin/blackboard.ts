// The operator's blackboard: create (or re-describe) a namespace of this node's, list those it
// holds with each key's state hash (what replicas compare), repair one with a replica now, and
// read, write and delete keys as the MCP tools do (the operator needs no policy or grant).
import { Hono, type Context } from "hono";
import { z } from "zod";
import { fail, readJson } from "./respond.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { consistency, MAX_REPLICAS } from "../../protocol/blackboard/namespace.ts";
import { NAMESPACE_NAME } from "../../protocol/blackboard/limits.ts";
import { namespaceName } from "../../protocol/blackboard/delta.ts";
import { nodeId } from "../../protocol/identity/node-id.ts";
import { BlackboardError, type BlackboardErrorCode } from "../../node/blackboard/errors.ts";
import { deleteArgs, getArgs, putArgs } from "../../node/blackboard/requests.ts";
import { BLACKBOARD_ERROR, blackboardDelete, blackboardGet, blackboardPut, type BlackboardAnswer } from "../../node/blackboard/serve.ts";
import { blackboardWatch, watchArgs, type WatchAnswer } from "../../node/blackboard/watch.ts";
import { ProtocolError } from "@modelcontextprotocol/server";

const createInput = z.strictObject({
  name: z.string().regex(new RegExp(`^${NAMESPACE_NAME}$`)),
  /** The other replicas (this node is always one), or "public". */
  replicas: z.union([z.array(nodeId).max(MAX_REPLICAS - 1), z.literal("public")]),
  consistency: consistency.default("eventual"),
});

const keyStatus: Partial<Record<BlackboardErrorCode, 404 | 409 | 503>> = { unknown_namespace: 404, not_a_replica: 409, retry: 503, unavailable: 503 };

/** A key's answer, or the blackboard's typed refusal as `{error: {code, message[, applied]}}`. */
async function keyAnswer(c: Context<AppEnv>, work: () => Promise<BlackboardAnswer | WatchAnswer>): Promise<Response> {
  try {
    return c.json(await work());
  } catch (err) {
    if (!(err instanceof ProtocolError) || err.code !== BLACKBOARD_ERROR) throw err;
    const data = err.data as { type: BlackboardErrorCode; message: string; applied?: string };
    return c.json({ error: { code: data.type, message: data.message, ...(data.applied ? { applied: data.applied } : {}) } }, keyStatus[data.type] ?? 400);
  }
}

export function blackboardAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { board, replication } = s.blackboard;
  app.post("/blackboard/namespaces", async (c) => {
    const body = await readJson(c, createInput);
    if (!body.ok) return body.res;
    try {
      const d = await board.describe(body.value.name, body.value.replicas, body.value.consistency);
      // The other replicas learn of it with the first push, or now.
      s.defer(Promise.all((await replication.peersOf(d)).map((peer) => replication.repair(d.namespace, peer).catch(() => undefined))));
      return c.json({ descriptor: d }, 201);
    } catch (err) {
      if (err instanceof BlackboardError) return fail(c, "invalid_request", err.message);
      throw err;
    }
  });
  app.get("/blackboard/namespaces", async (c) => c.json({ namespaces: await board.store.namespaces() }));
  app.get("/blackboard/namespaces/:creator/:name", async (c) => {
    const ns = namespaceName.safeParse(`${c.req.param("creator")}/${c.req.param("name")}`);
    if (!ns.success) return fail(c, "invalid_request", "not a namespace");
    const descriptor = await board.store.descriptor(ns.data);
    if (!descriptor) return fail(c, "not_found", "no such namespace here");
    const [states, deltas] = await Promise.all([board.store.stateHashes(ns.data), board.store.deltaCount(ns.data)]);
    return c.json({ descriptor, deltas, states });
  });
  app.post("/blackboard/keys/get", async (c) => {
    const body = await readJson(c, getArgs);
    return body.ok ? keyAnswer(c, () => blackboardGet(s, "operator", body.value)) : body.res;
  });
  app.post("/blackboard/keys/put", async (c) => {
    const body = await readJson(c, putArgs);
    return body.ok ? keyAnswer(c, () => blackboardPut(s, "operator", body.value)) : body.res;
  });
  app.post("/blackboard/keys/delete", async (c) => {
    const body = await readJson(c, deleteArgs);
    return body.ok ? keyAnswer(c, () => blackboardDelete(s, "operator", body.value)) : body.res;
  });
  app.post("/blackboard/watch", async (c) => {
    const body = await readJson(c, watchArgs);
    return body.ok ? keyAnswer(c, () => blackboardWatch(s, "operator", body.value, c.req.raw.signal)) : body.res;
  });
  app.post("/blackboard/namespaces/:creator/:name/repair", async (c) => {
    const ns = namespaceName.safeParse(`${c.req.param("creator")}/${c.req.param("name")}`);
    const peer = nodeId.safeParse((await c.req.json().catch(() => ({}))).peer);
    if (!ns.success || !peer.success) return fail(c, "invalid_request", "a namespace and { peer }");
    try {
      return c.json(await replication.repair(ns.data, peer.data));
    } catch (err) {
      return fail(c, "bad_gateway", String(err));
    }
  });
  return app;
}
