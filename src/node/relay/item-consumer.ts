// The consumer's side of a resources/read or prompts/get on a peer's shared item. The item is
// served by its origin only (no failover: a resource is its origin's data), over the relay as a
// tool call is, and the answer's receipt is checked and countersigned before the result is handed on.
import { z } from "zod";
import type { FederatedItem } from "../catalog/federated-items.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import { identitySigner } from "../registry/node-keys.ts";
import { recordCall, type Outcome } from "../calls/invocations.ts";
import { redact } from "../../secrets/redaction.ts";
import { PricingError, quoteOf, readPricing } from "../../protocol/ledger/pricing.ts";
import { signIntent } from "../../protocol/ledger/signing.ts";
import { suiteFor } from "../../protocol/ledger/suite.ts";
import type { PromptRequest, ReadRequest } from "../../protocol/messages/relay-items.ts";
import { PASSED_INPUT_FEATURE, type CallInput, type InputCapabilities, type InputRequired } from "../../protocol/messages/relay.ts";
import { providerOfState, relayedInput, stateForClient } from "./input-handle.ts";
import { getPeer } from "../../store/peers.ts";
import type { ConsumerPort } from "./consumer.ts";
import { RelayError } from "./errors.ts";
import { countersignAnswer } from "./answer-receipt.ts";

type Caller = Parameters<typeof recordCall>[1];

/** The least a client can take of each answer; anything else is withheld and the receipt flagged. */
const readResult = z.looseObject({ contents: z.array(z.looseObject({ uri: z.string() })) });
const promptResult = z.looseObject({ messages: z.array(z.looseObject({ role: z.string(), content: z.looseObject({ type: z.string() }) })) });

export interface ItemRequest {
  /** For a read: the URI as the origin knows it. */
  uri?: string;
  /** For a prompt: its arguments. */
  arguments?: Record<string, string> | undefined;
  signal: AbortSignal;
  authorization: string;
  /** A 2026-07-28 client's declared capabilities, when it can answer something. */
  capabilities?: InputCapabilities | undefined;
  /** A 2026-07-28 client's retry: its answers, and the state it was given if any. */
  input?: CallInput | undefined;
}

export async function relayItem(s: ConsumerPort, caller: Caller, item: FederatedItem, r: ItemRequest): Promise<Record<string, unknown>> {
  const at = Date.now();
  const started = performance.now();
  let outcome: Outcome = "ok";
  let error: string | null = null;
  let recordId: string | undefined;
  try {
    const served = await relayOnce(s, caller, item, r);
    if ("inputRequired" in served) {
      // The round made no record; the client's retry goes back to this origin.
      const { inputRequests, requestState } = served.inputRequired;
      return { resultType: "input_required", inputRequests, requestState: stateForClient(item.origin, requestState) };
    }
    recordId = served.record;
    return { ...served.result, _meta: { ...(served.result._meta as object | undefined), "mcpfed/relay": { provider: item.origin, record: served.record, cached: false } } };
  } catch (err) {
    outcome = err instanceof RelayError ? err.outcome : "peer_refused";
    error = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    recordCall(s, caller, {
      at,
      toolId: item.globalId,
      calledAs: item.shortName,
      upstream: `peer:${item.origin}`,
      durationMs: Math.round(performance.now() - started),
      outcome,
      error,
      arguments: r.arguments,
      authorization: r.authorization,
      details: { provider: item.origin, kind: item.kind, ...(r.uri ? { uri: r.uri } : {}), ...(recordId ? { record: recordId } : {}) },
    });
  }
}

async function relayOnce(s: ConsumerPort, caller: Caller, item: FederatedItem, r: ItemRequest): Promise<{ result: Record<string, unknown>; record: string } | { inputRequired: InputRequired }> {
  const origin = item.origin;
  const name = `peer ${item.alias}`;
  const peer = await getPeer(s.db, origin);
  if (peer?.state !== "active") throw new RelayError({ kind: "peer_unavailable", message: `${name} is not an active peer of this node; a read goes only to a direct peer`, peer: origin });
  let pricing;
  try {
    pricing = readPricing(item.pricing);
  } catch (err) {
    if (err instanceof PricingError) throw new RelayError({ kind: "peer_unavailable", message: `${name}: the price of ${item.shortName} cannot be quoted here: ${err.message}`, peer: origin });
    throw err;
  }
  if (pricing.model === "subscription") throw new RelayError({ kind: "peer_unavailable", message: `${name}: ${item.shortName} is priced by subscription, which only tools take`, peer: origin });
  const passes = peer.features.includes(PASSED_INPUT_FEATURE);
  if (r.input?.requestState !== undefined) {
    if (providerOfState(r.input.requestState) !== origin) throw new RelayError({ kind: "bad_request_state", message: `the request state was not given for ${item.shortName}` });
    if (!passes) throw new RelayError({ kind: "peer_unavailable", message: `${name} does not take input on a ${item.kind} (${PASSED_INPUT_FEATURE})`, peer: origin });
  }
  const input = r.input && relayedInput(r.input, peer.features);
  const capabilities = passes ? r.capabilities : undefined;
  const signer = identitySigner(await s.identity());
  const isRead = item.kind !== "prompt";
  const intent = await signIntent(signer, {
    provider: origin,
    tool: { id: item.globalId, fingerprint: item.fingerprint },
    params: isRead ? { name: r.uri!, arguments: {} } : { name: item.original, arguments: r.arguments ?? {} },
    price: quoteOf(pricing, {}),
    requestedAt: Date.now(),
    suite: suiteFor(peer.features),
  });
  const countersigned = s.relay.outbox.take(origin);
  const common = {
    intent,
    timeoutMs: s.config.callTimeoutMs,
    countersigned: countersigned.records,
    relayedFor: caller.id,
    ...(capabilities ? { capabilities } : {}),
    ...(input ? { input } : {}),
  };
  const request: ReadRequest | PromptRequest = isRead
    ? ({ type: "read", kind: item.kind, key: item.key, uri: r.uri!, ...common } as ReadRequest)
    : { type: "prompt", key: item.key, ...(r.arguments ? { arguments: r.arguments } : {}), ...common };

  const started = performance.now();
  let answer;
  try {
    answer = await s.federation.relayCall(peer, request, { signal: r.signal, timeoutMs: s.config.callTimeoutMs, onprogress: undefined });
  } catch (err) {
    s.relay.outbox.settle(origin, countersigned.ids, []);
    if (!(err instanceof PeerRequestError) || err.delivered === undefined) throw err;
    if (err.code === "cancelled") throw new RelayError({ kind: "cancelled" });
    if (err.code === "timeout") throw new RelayError({ kind: "peer_timeout", message: `${name}: ${err.message}`, peer: origin });
    throw new RelayError({ kind: "peer_unavailable", message: `${name}: ${redact(err.message)}`, peer: origin });
  }
  const elapsed = Math.ceil(performance.now() - started);
  s.relay.outbox.settle(origin, countersigned.ids, answer.acked);
  s.relay.stats.record(origin, answer.ok || answer.error.code !== "upstream_unavailable", elapsed);
  if (!answer.ok) throw new RelayError({ kind: "refused", name, peer: origin, error: answer.error });
  if ("inputRequired" in answer) {
    // Asked of a request that declared nothing and answered nothing, it broke the protocol.
    if (!capabilities && !input) throw new RelayError({ kind: "peer_unavailable", message: `${name}: it asked for input on a ${isRead ? "read" : "prompt"} whose client can answer none`, peer: origin });
    return { inputRequired: answer.inputRequired };
  }

  const result = answer.result;
  const valid = (isRead ? readResult : promptResult).safeParse(result).success;
  const record = await countersignAnswer(s, signer, intent, { origin, name, result, receipt: answer.receipt, elapsedMs: elapsed, resultValid: valid }, caller.defer);
  return { result, record };
}
