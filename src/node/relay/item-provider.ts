// The provider's side of a relayed resources/read or prompts/get: the same checks as for a tool
// call (shared now, unchanged, intent at the current price and for this request, policy and
// limits), then the upstream is asked as for a local client, and the answer carries the receipt.
import { ProtocolError } from "@modelcontextprotocol/server";
import { admitCall } from "../access/admission.ts";
import { upstreamFailure } from "../calls/errors.ts";
import { reachFor, type ReachPorts } from "../upstreams/per-principal.ts";
import { templateMatches } from "../catalog/local.ts";
import { identitySigner } from "../registry/node-keys.ts";
import { currentFingerprint } from "../registry/share-items.ts";
import { liveSecrets } from "../../secrets/redactor.ts";
import { PricingError, readPricing } from "../../protocol/ledger/pricing.ts";
import { requestHash } from "../../protocol/ledger/request-hash.ts";
import { CHECKPOINTS_FEATURE } from "../../protocol/ledger/suite.ts";
import { getPeer } from "../../store/peers.ts";
import { itemOfKey, type ItemBody, type ItemKind } from "../../protocol/registry/shared-items.ts";
import type { Visibility } from "../../protocol/registry/entry.ts";
import type { AnswerFrame, CallError, InputRequired } from "../../protocol/messages/relay.ts";
import type { PromptRequest, ReadRequest } from "../../protocol/messages/relay-items.ts";
import { getUpstream } from "../../store/upstreams.ts";
import { ownLiveItem } from "../../store/shared-items.ts";
import type { UpstreamPool } from "../upstreams/pool.ts";
import { takeCountersigned } from "./countersigns.ts";
import { checkedIntent } from "./errors.ts";
import { callErrorOf, refusal as refuse } from "../calls/refusals.ts";
import { peerCaller, type ProviderPort, type ServeOptions } from "./provider.ts";
import { tierRefusal } from "./tier-refusal.ts";
import { chargeOf } from "../trust/peer-allowance.ts";
import { relayedItemRequest } from "./relayed-item-rounds.ts";
import { RelayInputError } from "./relayed-rounds.ts";
import { passingInput } from "../interactive/passed-rounds.ts";

type Answer = AnswerFrame["answer"];

/** The spec's "resource not found" (2025-11-25): what an unshared URI gets, here and at the consumer. */
export const RESOURCE_NOT_FOUND = -32002;

export type ItemProviderPort = ProviderPort & ReachPorts & { pool: Pick<UpstreamPool, "use"> };

export interface SharedItem {
  body: ItemBody;
  visibility: Visibility;
  upstream: string;
  /** The URI, URI template or prompt name at its upstream. */
  name: string;
}

/**
 * The item a relayed request names, if this node shares it now and its upstream still offers it
 * unchanged; else why not. The same for a read, a prompt and a completion.
 */
export async function sharedItemNow(s: { db: ProviderPort["db"]; nodeId: string }, kind: ItemKind, key: string, notShared: CallError): Promise<SharedItem | { error: CallError }> {
  const entry = await ownLiveItem(s.db, s.nodeId, kind, key);
  if (!entry || entry.signed.kind !== kind || entry.signed.tombstone) return { error: notShared };
  const body = entry.signed.body;
  const { upstream, name } = itemOfKey(kind, key);
  const now = await currentFingerprint(s.db, kind, upstream, name);
  if (now === undefined) return { error: refuse("not_shared", `${key} is shared but its upstream no longer offers it`) };
  if (now !== body.fingerprint) return { error: refuse("fingerprint_changed", `${key} changed since it was shared; it is not served until it is shared again`) };
  return { body, visibility: entry.signed.visibility, upstream, name };
}

export async function serveItem(s: ItemProviderPort, from: string, request: ReadRequest | PromptRequest, o: Omit<ServeOptions, "onprogress">): Promise<Answer> {
  const acking = takeCountersigned(s, from, request.countersigned);
  const outcome = await run(s, from, request, o).catch((err: unknown): { error: CallError } => {
    if (err instanceof RelayInputError) return { error: refuse(err.code, err.message) };
    if (err instanceof ProtocolError) return { error: callErrorOf(err) };
    throw err;
  });
  const acked = await acking;
  return "error" in outcome ? { ok: false, error: outcome.error, acked } : { ok: true, ...outcome, acked };
}

async function run(
  s: ItemProviderPort,
  from: string,
  request: ReadRequest | PromptRequest,
  o: Omit<ServeOptions, "onprogress">,
): Promise<{ result: Record<string, unknown>; receipt: unknown } | { inputRequired: InputRequired } | { error: CallError }> {
  if (await s.quarantine.has(from)) return { error: refuse("quarantined", "this node holds the caller in quarantine") };
  const kind: ItemKind = request.type === "read" ? request.kind : "prompt";
  const notShared = (what: string) => refuse("not_shared", `${what} is not shared by this node`, request.type === "read" ? RESOURCE_NOT_FOUND : undefined);
  const shared = await sharedItemNow(s, kind, request.key, notShared(request.key));
  if ("error" in shared) return shared;
  const { body, visibility, upstream, name } = shared;
  // A read names its URI: the shared resource's own, or one the shared template matches.
  if (request.type === "read" && !(kind === "resource" ? request.uri === name : templateMatches(name, request.uri))) return { error: notShared(request.uri) };

  let pricing;
  try {
    pricing = readPricing(body.pricing);
  } catch (err) {
    if (err instanceof PricingError) return { error: refuse("internal", `${request.key} has a pricing this node cannot read`) };
    throw err;
  }
  // Subscriptions are bought per tool; an item is free, or priced per request or by time.
  if (pricing.model === "subscription") return { error: refuse("internal", `${request.key} is priced by subscription, which only tools take`) };
  const globalId = `${s.nodeId}/${request.key}`;
  const checkpointSuite = (await getPeer(s.db, from))?.features.includes(CHECKPOINTS_FEATURE) ?? false;
  const accepted = await s.ledger.acceptIntent(request.intent, { self: s.nodeId, tool: { id: globalId, fingerprint: body.fingerprint }, pricing, grant: undefined, now: Date.now(), checkpointSuite });
  const checked = checkedIntent(accepted, from, { noun: "item", globalId, key: request.key });
  if ("error" in checked) return checked;
  const intent = checked.intent;
  const hashed = request.type === "read" ? await requestHash(request.uri, undefined) : await requestHash(name, request.arguments);
  if (hashed !== intent.intent.request) return { error: refuse("intent_refused", "intent refused: it was signed for another request") };
  if (await s.ledger.get(intent.intent.id)) return { error: refuse("intent_refused", "intent refused: already used") };
  const over = await tierRefusal(s, from, chargeOf(intent.intent.price));
  if (over) return { error: over };

  const row = await getUpstream(s.db, upstream);
  if (!row) return { error: refuse("not_shared", `${request.key} is shared but its upstream is gone`) };
  const caller = await peerCaller(s, from, request.relayedFor, o.defer);
  const admitted = await admitCall(s, caller, { globalId, shortName: name, upstream, tags: [], pinned: false, visibility }, undefined);
  const started = performance.now();
  const timeout = Math.min(request.timeoutMs, s.config.callTimeoutMs);
  const options = { signal: o.signal, timeout };
  let answered;
  try {
    const reach = await reachFor(s, caller, row);
    answered = await relayedItemRequest(s, caller, request, row.name, (input) =>
      s.pool
        .use(
          reach.target,
          (c): Promise<Record<string, unknown>> =>
            request.type === "read"
              ? passingInput(c, input, { method: "resources/read", params: { uri: request.uri } }, options, () => c.readResource({ uri: request.uri }, options))
              : passingInput(c, input, { method: "prompts/get", params: { name, ...(request.arguments ? { arguments: request.arguments } : {}) } }, options, () =>
                  c.getPrompt({ name, ...(request.arguments ? { arguments: request.arguments } : {}) }, options),
                ),
          reach.owner,
        )
        .catch((err: unknown) => {
          // The node's own typed errors (a caller without a credential of its own) go as they are.
          if (err instanceof ProtocolError && err.data && typeof err.data === "object" && "type" in err.data) throw err;
          throw upstreamFailure(upstream, err, o.signal).error;
        }),
    );
  } finally {
    caller.defer(admitted.release());
  }
  // A round that did not complete signs no receipt: only the round that completes is recorded and priced.
  if ("inputRequired" in answered) return answered;
  const result = liveSecrets.redactJson(answered.result);
  const durationMs = Math.round(performance.now() - started);
  const completedAt = Math.max(Date.now(), intent.intent.requestedAt);
  const receipt = await s.ledger.receipt(identitySigner(await s.identity()), intent, { result, durationMs, completedAt });
  if (intent.intent.suite) o.defer(s.checkpoints.recorded(from));
  return { result, receipt };
}
