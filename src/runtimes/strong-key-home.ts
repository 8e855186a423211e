// A strong key's home queue on Workers (docs/protocol.md §17.8): a node there runs in many isolates
// at once, so the per-key queue of one process does not order a key's operations. Each key gets a
// Durable Object (one instance in the world per name); the isolate that took an operation hands it
// to the key's object, which runs it through the node's own `orderHere`, one at a time.
import type { DurableObjectNamespace } from "@cloudflare/workers-types";
import { z } from "zod";
import { blackboardKey, namespaceName } from "../protocol/blackboard/delta.ts";
import { MAX_REPLICAS } from "../protocol/blackboard/namespace.ts";
import { strongOp } from "../protocol/blackboard/strong-log.ts";
import { nodeId } from "../protocol/identity/node-id.ts";
import { strongOutcome } from "../protocol/messages/blackboard-strong.ts";
import type { StrongBlackboard } from "../node/blackboard/strong.ts";
import type { StrongHome } from "../node/settings/platform.ts";

/** Isolate → the key's object, inside one node's deployment: never on the wire between nodes. */
const keyHomeRequest = z.strictObject({
  namespace: namespaceName,
  key: blackboardKey,
  op: strongOp,
  replicas: z.array(nodeId).min(1).max(MAX_REPLICAS),
});

/** The Platform's port: each key's operations go to the object named after the key. */
export function durableObjectHome(objects: DurableObjectNamespace): StrongHome {
  return {
    async order(namespace, key, op, replicas) {
      const stub = objects.get(objects.idFromName(JSON.stringify([namespace, key])));
      const res = await stub.fetch("https://strong-key-home/order", { method: "POST", body: JSON.stringify({ namespace, key, op, replicas }) });
      if (!res.ok) throw new Error(`the key's Durable Object answered ${res.status}`);
      return strongOutcome.parse(await res.json());
    },
  };
}

/** In the key's object: the operation run at this home, after the key's earlier ones. */
export async function serveKeyHome(request: Request, board: Pick<StrongBlackboard, "orderHere">): Promise<Response> {
  const parsed = keyHomeRequest.safeParse(await request.json().catch(() => undefined));
  if (!parsed.success) return Response.json({ error: { code: "bad_request", message: "not an operation for a strong key's home" } }, { status: 400 });
  const { namespace, key, op, replicas } = parsed.data;
  return Response.json(await board.orderHere(namespace, key, op, replicas));
}
