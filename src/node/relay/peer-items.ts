// What /mcp serves of peers' shared resources, templates and prompts: listed through the same
// policy as peers' tools, and read or got over the relay. Plain objects in MCP's shapes, so the
// HTTP layer only appends them to its lists and asks here before saying "not found".
import { admitCall, callableTools, type AdmissionPorts } from "../access/admission.ts";
import type { Caller } from "../access/principals/caller.ts";
import { federatedResourceFor, listFederatedItems, type FederatedItem } from "../catalog/federated-items.ts";
import type { ConsumerPort } from "./consumer.ts";
import { relayItem, type ItemRequest } from "./item-consumer.ts";
import { completeAtOrigin } from "./complete-consumer.ts";
import { templateUpstream } from "../catalog/local.ts";
import type { CompleteRequest, CompleteResult } from "@modelcontextprotocol/server";

/** A 2026-07-28 client's capabilities and retry, passed to the item's origin. */
type ClientInputOf = Pick<ItemRequest, "capabilities" | "input">;

export type PeerItemsPort = ConsumerPort & AdmissionPorts & { nodeId: string };

/** The peers' items this caller may see: the operator's hidden ones are not. */
async function visibleItems(s: PeerItemsPort, caller: Caller): Promise<FederatedItem[]> {
  const items = (await listFederatedItems(s)).filter((i) => !i.hidden);
  return callableTools(s, caller, items);
}

function meta(i: FederatedItem) {
  return { _meta: { "mcpfed/id": i.id, "mcpfed/fingerprint": i.fingerprint, "mcpfed/origin": i.origin, "mcpfed/pricing": (i.pricing ?? null) as Record<string, unknown> | null } };
}

/** resources/list, resources/templates/list and prompts/list entries for peers' items. */
export async function peerListings(s: PeerItemsPort, caller: Caller) {
  const items = await visibleItems(s, caller);
  const of = (kind: FederatedItem["kind"]) => items.filter((i) => i.kind === kind);
  return {
    resources: of("resource").map((i) => ({ ...i.definition, uri: i.shortName, ...meta(i) }) as { uri: string; name: string }),
    resourceTemplates: of("resource-template").map((i) => ({ ...i.definition, ...meta(i) }) as { uriTemplate: string; name: string }),
    prompts: of("prompt").map((i) => ({ ...i.definition, name: i.shortName, ...meta(i) }) as { name: string }),
  };
}

/** resources/read of a peer's resource, or undefined when no peer's item this caller sees has that URI. */
export async function readPeerResource(s: PeerItemsPort, caller: Caller, uri: string, signal: AbortSignal, requestMeta?: Record<string, unknown>, client?: ClientInputOf) {
  const item = federatedResourceFor(await visibleItems(s, caller), uri);
  if (!item) return undefined;
  const admitted = await admitCall(s, caller, item, requestMeta);
  // A listed URI rewritten on a clash goes to the origin as the origin's own.
  const atOrigin = item.kind === "resource" ? item.original : uri;
  return relayItem(s, caller, item, { uri: atOrigin, signal, authorization: admitted.reason, ...client }).finally(() => caller.defer(admitted.release()));
}

/** prompts/get of a peer's prompt by its name here, or undefined when this caller sees none of that name. */
export async function getPeerPrompt(
  s: PeerItemsPort,
  caller: Caller,
  name: string,
  args: Record<string, string> | undefined,
  signal: AbortSignal,
  requestMeta?: Record<string, unknown>,
  client?: ClientInputOf,
) {
  const item = (await visibleItems(s, caller)).find((i) => i.kind === "prompt" && i.shortName === name);
  if (!item) return undefined;
  const admitted = await admitCall(s, caller, item, requestMeta);
  return relayItem(s, caller, item, { arguments: args, signal, authorization: admitted.reason, ...client }).finally(() => caller.defer(admitted.release()));
}

/**
 * completion/complete for a peer's prompt (by its name here) or resource template, or undefined
 * when the reference names none this caller sees. A local template of the same URI template wins.
 */
export async function completePeerArgument(s: PeerItemsPort, caller: Caller, params: CompleteRequest["params"]): Promise<CompleteResult | undefined> {
  const { ref } = params;
  if (ref.type === "ref/resource" && (await templateUpstream(s, ref.uri))) return undefined;
  const items = await visibleItems(s, caller);
  const item = ref.type === "ref/prompt" ? items.find((i) => i.kind === "prompt" && i.shortName === ref.name) : items.find((i) => i.kind === "resource-template" && i.original === ref.uri);
  return item ? completeAtOrigin(s, caller, item, params) : undefined;
}

/** The peer's resource (not a template's instance) this caller sees listed as `uri`, if any. */
export async function visiblePeerResource(s: PeerItemsPort, caller: Caller, uri: string): Promise<FederatedItem | undefined> {
  return (await visibleItems(s, caller)).find((i) => i.kind === "resource" && i.shortName === uri);
}
