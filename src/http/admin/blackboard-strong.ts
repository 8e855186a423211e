// The blackboard's strong consistency in the admin API: describe a strong namespace of this node's
// (sent to its replicas), and run a read, write, delete or compare-and-set on one of its keys from
// this replica. An answer of `unavailable` says whether the operation surely took no effect.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { readJson } from "./respond.ts";
import { blackboardKey, namespaceName } from "../../protocol/blackboard/delta.ts";
import { NAMESPACE_NAME } from "../../protocol/blackboard/limits.ts";
import { MAX_REPLICAS } from "../../protocol/blackboard/namespace.ts";
import { strongOp } from "../../protocol/blackboard/strong-log.ts";
import { nodeId } from "../../protocol/identity/node-id.ts";
import type { Services } from "../../node/services.ts";

const describeInput = z.strictObject({ name: z.string().regex(new RegExp(`^${NAMESPACE_NAME}$`)), replicas: z.array(nodeId).min(1).max(MAX_REPLICAS - 1) });
const opInput = z.strictObject({ namespace: namespaceName, key: blackboardKey, op: strongOp });

export function strongBlackboardAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/blackboard/strong/namespaces", async (c) => {
    const body = await readJson(c, describeInput);
    if (!body.ok) return body.res;
    return c.json(await s.strong.namespaces.describe(body.value.name, body.value.replicas), 201);
  });

  app.post("/blackboard/strong", async (c) => {
    const body = await readJson(c, opInput);
    if (!body.ok) return body.res;
    const outcome = await s.strong.board.run(body.value.namespace, body.value.key, body.value.op);
    return c.json(outcome, outcome.ok ? 200 : outcome.error === "unavailable" ? 503 : 409);
  });
  return app;
}
