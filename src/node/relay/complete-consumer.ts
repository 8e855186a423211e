// The consumer's side of completion/complete on a peer's shared prompt or resource template: one
// sealed request to the item's origin (no failover, as for a read), its answer handed to the client.
import type { CompleteRequest as McpCompleteRequest, CompleteResult } from "@modelcontextprotocol/server";
import type { Caller } from "../access/principals/caller.ts";
import type { FederatedItem } from "../catalog/federated-items.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import { completeReply, type CompleteRequest } from "../../protocol/messages/relay-complete.ts";
import { redact } from "../../secrets/redaction.ts";
import { getPeer } from "../../store/peers.ts";
import type { ConsumerPort } from "./consumer.ts";
import { RelayError } from "./errors.ts";

export async function completeAtOrigin(s: Pick<ConsumerPort, "db" | "federation">, caller: Caller, item: FederatedItem, params: McpCompleteRequest["params"]): Promise<CompleteResult> {
  const origin = item.origin;
  const name = `peer ${item.alias}`;
  const peer = await getPeer(s.db, origin);
  if (peer?.state !== "active") throw new RelayError({ kind: "peer_unavailable", message: `${name} is not an active peer of this node; a completion goes only to a direct peer`, peer: origin });
  const common = {
    type: "complete" as const,
    argument: params.argument,
    ...(params.context?.arguments ? { context: { arguments: params.context.arguments } } : {}),
    relayedFor: caller.id,
  };
  const request: CompleteRequest =
    item.kind === "prompt" ? { kind: "prompt", key: item.key, ...common } : ({ kind: "resource-template", key: item.key, ...common } as CompleteRequest);
  let reply;
  try {
    reply = await s.federation.call(peer, "complete", request, completeReply);
  } catch (err) {
    if (!(err instanceof PeerRequestError)) throw err;
    throw new RelayError({ kind: "peer_unavailable", message: `${name}: ${redact(err.message)}`, peer: origin });
  }
  if (!reply.ok) throw new RelayError({ kind: "refused", name, peer: origin, error: reply.error });
  return { completion: reply.completion };
}
