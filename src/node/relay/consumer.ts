// The consumer's side of a relayed call: a tools/call on a peer's tool. It is answered from the
// cache when the origin allows that, and otherwise sent to the best provider of the tool's
// fingerprint, then to the next while none could have run it. The answer's receipt is checked
// and countersigned before the result is handed on, so every result a client gets from a peer
// has a record both sides signed.
import { isCallToolResult, ProtocolError, ProtocolErrorCode, type CallToolResult } from "@modelcontextprotocol/server";
import type { ToolCall } from "../calls/proxy.ts";
import type { Inflight } from "../calls/inflight.ts";
import { recordCall, type Outcome } from "../calls/invocations.ts";
import type { ListedFederatedTool } from "../catalog/federated-view.ts";
import { reachable } from "../catalog/providers.ts";
import type { FederationClient } from "../federation-client/client.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { LedgerCheckpoints } from "../ledger/checkpoints.ts";
import type { Config } from "../settings/config.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import type { ScopedStandings, TrustStandings } from "../trust/standing.ts";
import { redact } from "../../secrets/redaction.ts";
import { PricingError, quoteOf, readPricing } from "../../protocol/ledger/pricing.ts";
import type { SignedIntent } from "../../protocol/ledger/record.ts";
import { signIntent } from "../../protocol/ledger/signing.ts";
import { suiteFor } from "../../protocol/ledger/suite.ts";
import { identitySigner } from "../registry/node-keys.ts";
import type { Database } from "../../store/database.ts";
import { getPeer } from "../../store/peers.ts";
import { ResultCache } from "./cache.ts";
import type { ProviderStats } from "./choice.ts";
import { pushCountersigned, type Outbox } from "./countersigns.ts";
import { RelayError } from "./errors.ts";
import { countersignAnswer } from "./answer-receipt.ts";
import { heldGrant } from "./subscriptions.ts";
import { INTERACTION_FEATURE, type CallError, type CallInput, type CallRequest, type InputCapabilities, type InputRequired, type LogLevel } from "../../protocol/messages/relay.ts";
import type { RelayOptions } from "../federation-client/client.ts";
import { providerOfState, relayedInput, stateForClient } from "./input-handle.ts";
import type { RouteKind, RouteRequest } from "../../protocol/routes/roles.ts";
import { chooseRoute, routeInForce } from "../routes/choice.ts";
import type { RouteDefaults } from "../routes/defaults.ts";
import { anonymousToolCall, type OnionConsumerPort } from "../routes/onion/consumer.ts";
import { AnonymousCallError } from "../routes/anonymous-call-error.ts";
import { privateToolCall, type PrivateConsumerPort } from "../routes/private/consumer.ts";
import { forwardedCall, forwardedTarget, NoForwardedRoute, type FeePaid, type ForwardedPort } from "../routes/forwarded/consumer.ts";
import { TRACE_CONTEXT_FEATURE } from "../../protocol/tracing/trace-context.ts";
import { outcomeOf } from "../tracing/outcome.ts";
import type { Span, Tracer } from "../tracing/tracer.ts";
import type { CallCharges, Charged } from "../budgets/call-charges.ts";

/** Who calls: as the invocation log and the audit trail see them. */
type Caller = Parameters<typeof recordCall>[1];

/** What the consumer's side needs of the node, besides what the invocation log needs. */
export type ConsumerPort = Parameters<typeof recordCall>[0] & {
  db: Database;
  identity: () => Promise<LocalIdentity>;
  config: Pick<Config, "callTimeoutMs" | "trust" | "routeDefault" | "channels" | "ledgerCheckpoints" | "routesOffer">;
  inflight: Inflight;
  ledger: Ledger;
  checkpoints: LedgerCheckpoints;
  federation: FederationClient;
  /** This process's view of relayed calls: countersignatures to deliver, providers' measures, cached results. */
  relay: { outbox: Outbox; stats: ProviderStats; cache: ResultCache };
  /** Which of several providers goes first, and which are never called (src/node/trust/). */
  trust: TrustStandings & ScopedStandings;
  quarantine: Pick<Quarantine, "has">;
  routes: { defaults: Pick<RouteDefaults, "of"> };
  tracer: Tracer | undefined;
  /** The budget a principal's calls are charged to: checked before a call, debited after it. */
  charges: Pick<CallCharges, "check">;
} & ForwardedPort &
  OnionConsumerPort &
  PrivateConsumerPort;

/** A local call's description, for a peer's tool. */
export interface RelayedCall extends Omit<ToolCall, "tool" | "timeoutMs"> {
  tool: ListedFederatedTool;
  /** Every tool of the catalog the caller may call: other origins of the same fingerprint are the failover. */
  catalog: readonly ListedFederatedTool[];
  /** What the client can answer (elicitation, sampling, roots); without it the provider asks nothing. */
  capabilities?: InputCapabilities | undefined;
  /** A client's retry of a call that was answered input_required: its answers and the state it was given. */
  input?: CallInput | undefined;
  /** The client's log level: the provider streams its upstream's log messages at it or above. */
  logLevel?: LogLevel | undefined;
  onlog?: RelayOptions["onlog"];
  /** The route the call asked for (`_meta["mcpfed/route"]`); else its principal's default, else ROUTE_DEFAULT. */
  route?: RouteRequest | undefined;
  /** The span that routed the call (tracing on): each hop to a provider is a span under it. */
  span?: Span | undefined;
}

/** A round that did not complete (MCP 2026-07-28's InputRequiredResult): the client answers and retries. */
export interface RelayedInputRequired {
  resultType: "input_required";
  inputRequests: InputRequired["inputRequests"];
  requestState: string;
}

/** For an MCP layer that cannot hand an input_required round to its client: the round fails with a clear error. */
export function completedOnly(answer: CallToolResult | RelayedInputRequired): CallToolResult {
  if ("resultType" in answer && answer.resultType === "input_required") {
    throw new ProtocolError(ProtocolErrorCode.InvalidRequest, "the tool needs input (elicitation, sampling or roots) that this client's session cannot give");
  }
  return answer as CallToolResult;
}

type Served = { result: CallToolResult; record: string; route: RouteKind; charged?: Charged } | { inputRequired: InputRequired };

/** What `_meta` "mcpfed/relay" tells the client about a peer's answer. */
export interface RelayMeta {
  provider: string;
  /** The ledger record's id; absent for an answer from the cache. */
  record?: string;
  cached: boolean;
  /** The route the call took (docs/protocol.md §12); absent for an answer from the cache. */
  route?: RouteKind;
  /** What the call paid from the budget its principal is charged to, if any. */
  charged?: Charged;
}

/** Refusals that say nothing of the other providers: another one may serve the call. */
const TRY_ANOTHER = new Set<CallError["code"]>(["not_shared", "fingerprint_changed", "price_changed", "upstream_unavailable"]);

class NextProvider extends Error {
  override name = "NextProvider";
  /** Set when the route in force cannot reach this provider (rather than the provider failing). */
  constructor(
    message: string,
    readonly route?: RouteKind,
  ) {
    super(message);
  }
}

/** A private or anonymous call's failure, as the client learns it. */
function asRelayError(err: unknown): never {
  if (!(err instanceof AnonymousCallError)) throw err;
  const r = err.refusal;
  throw new RelayError(r ? { kind: "gateway_refused", peer: r.peer, name: `peer ${r.peer.slice(0, 8)}`, code: r.code, message: err.message } : { kind: "route_unavailable", route: err.route, message: err.message });
}

function withMeta(result: CallToolResult, meta: RelayMeta): CallToolResult {
  return { ...result, _meta: { ...result._meta, "mcpfed/relay": meta } };
}

export async function relayToolCall(s: ConsumerPort, caller: Caller, call: RelayedCall): Promise<CallToolResult | RelayedInputRequired> {
  const at = Date.now();
  const started = performance.now();
  const { signal, done } = s.inflight.start(caller.id, call.requestId, call.signal);
  let outcome: Outcome = "ok";
  let error: string | null = null;
  let provider = call.tool.origin;
  let recordId: string | undefined;
  try {
    // A retry answers questions asked of this client only: never from the cache.
    const ttl = call.input ? undefined : call.tool.cacheTtlSeconds;
    const cacheKey = ttl ? ResultCache.key(call.tool.globalId, call.tool.fingerprint, call.arguments) : undefined;
    const hit = cacheKey && s.relay.cache.get(cacheKey);
    if (hit) {
      outcome = "cache_hit";
      return withMeta(hit, { provider, cached: true });
    }
    const asked = routeInForce(call.route, await s.routes.defaults.of(caller.id), s.config.routeDefault);
    // Private and anonymous calls never fall back to a route that names the caller.
    if (asked === "anonymous" || asked === "anonymous-surb" || asked === "private") {
      const anonymous = { tool: call.tool, arguments: call.arguments, signal };
      // The reply block is the call's choice, or the node's policy for every anonymous call (§14.6).
      const reply = asked === "anonymous-surb" ? "surb" : s.config.onion.reply;
      const { result } = await (asked === "private" ? privateToolCall(s, anonymous) : anonymousToolCall(s, { ...anonymous, reply })).catch(asRelayError);
      if (asked === "private" && cacheKey && ttl) s.relay.cache.put(cacheKey, result, ttl);
      if (result.isError) outcome = "tool_error";
      return withMeta(result, { provider, cached: false, route: asked === "private" ? "private" : "anonymous" });
    }
    const served = await callProviders(s, caller, call, asked, signal, (node) => (provider = node));
    if ("inputRequired" in served) {
      // The round made no record; the client's retry goes back to this provider only.
      const { inputRequests, requestState } = served.inputRequired;
      return { resultType: "input_required", inputRequests, requestState: stateForClient(provider, requestState) };
    }
    recordId = served.record;
    if (cacheKey && ttl) s.relay.cache.put(cacheKey, served.result, ttl);
    if (served.result.isError) outcome = "tool_error";
    return withMeta(served.result, { provider, record: served.record, cached: false, route: served.route, ...(served.charged ? { charged: served.charged } : {}) });
  } catch (err) {
    outcome = err instanceof RelayError ? err.outcome : "peer_refused";
    error = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    done();
    recordCall(s, caller, {
      at,
      toolId: call.tool.globalId,
      calledAs: call.calledAs,
      upstream: `peer:${provider}`,
      durationMs: Math.round(performance.now() - started),
      outcome,
      error,
      arguments: call.arguments,
      authorization: call.authorization,
      details: { provider, ...(recordId ? { record: recordId } : {}) },
    });
  }
}

/**
 * The tool at each origin allowed to serve it (its own, unless the origins mark it replicable or
 * the operator grouped them: src/node/catalog/providers.ts), best first.
 */
async function providersOf(s: ConsumerPort, call: RelayedCall): Promise<ListedFederatedTool[]> {
  // The state of a retry is the provider's own: only that provider can resume the call.
  if (call.input?.requestState !== undefined) {
    const node = providerOfState(call.input.requestState);
    const tool = [call.tool, ...call.catalog].find((t) => t.origin === node && t.fingerprint === call.tool.fingerprint && call.tool.providers.includes(t.origin));
    if (!tool) throw new RelayError({ kind: "bad_request_state", message: "the request state names no provider of this tool" });
    return [tool];
  }
  const allowed = new Set(call.tool.providers);
  const byOrigin = new Map<string, ListedFederatedTool>();
  if (allowed.has(call.tool.origin)) byOrigin.set(call.tool.origin, call.tool);
  for (const t of call.catalog) if (allowed.has(t.origin) && t.fingerprint === call.tool.fingerprint && !byOrigin.has(t.origin)) byOrigin.set(t.origin, t);
  const origins = [...byOrigin.keys()];
  // Trust is read only where there is a choice to make: one provider costs no lookup.
  // Vouches scoped to one of the tool's tags count for it (src/node/trust/scope-scores.ts).
  const tags = call.tool.tags;
  const trust = origins.length > 1 ? { scores: new Map(await Promise.all(origins.map(async (o) => [o, await s.trust.scoreFor(o, tags)] as const))), exploration: s.config.trust.exploration } : undefined;
  return s.relay.stats.order(origins, Math.random, trust).map((o) => byOrigin.get(o)!);
}

async function callProviders(s: ConsumerPort, caller: Caller, call: RelayedCall, asked: "auto" | "direct" | "forwarded", signal: AbortSignal, trying: (node: string) => void): Promise<Served> {
  const tried: { tool: ListedFederatedTool; reason: string; route: RouteKind | undefined }[] = [];
  const providers = await providersOf(s, call);
  for (const tool of providers) {
    trying(tool.origin);
    try {
      return await callOne(s, caller, call, tool, asked, signal);
    } catch (err) {
      if (!(err instanceof NextProvider)) throw err;
      tried.push({ tool, reason: err.message, route: err.route });
      if (signal.aborted) break;
    }
  }
  // No provider could be reached on the route in force: that route is what failed, not a provider.
  const route = tried[0]?.route;
  if (route && tried.every((t) => t.route === route)) {
    const reasons = tried.map((t) => `${t.tool.alias}: ${t.reason}`).join("; ");
    throw new RelayError({ kind: "route_unavailable", route, message: `no ${route} route to a provider of ${call.calledAs} (${reasons})` });
  }
  // A pinned tool names its one provider, and says why nobody else was asked.
  const only = providers.length === 1 ? tried[0] : undefined;
  if (only) {
    const message = `peer ${only.tool.alias}: ${only.reason}; ${call.calledAs} is served by ${only.tool.alias} only`;
    throw new RelayError({ kind: "peer_unavailable", message, peer: only.tool.origin });
  }
  const reasons = tried.map((t) => `${t.tool.alias}: ${t.reason}`).join("; ");
  throw new RelayError({ kind: "peer_unavailable", message: `no provider of ${call.calledAs} could take the call (${reasons})`, tried: tried.length });
}

async function callOne(s: ConsumerPort, caller: Caller, call: RelayedCall, tool: ListedFederatedTool, asked: "auto" | "direct" | "forwarded", signal: AbortSignal): Promise<Served> {
  const origin = tool.origin;
  const name = `peer ${tool.alias}`;
  const peer = await getPeer(s.db, origin);
  // A node this one blocked is called by no route.
  if (peer?.state === "blocked") throw new NextProvider("this node blocks it");
  const choice = chooseRoute(asked, { activePeer: reachable(peer) });
  if (!choice.ok) throw new NextProvider(choice.reason, choice.kind);
  const route = choice.kind as "direct" | "forwarded";
  // The origin's features: agreed in the hello for a peer, else what its card offers that this node does too.
  const target = route === "direct" ? peer : await forwardedTarget(s, origin);
  if (!target) throw new NextProvider("this node holds no card of it to seal a forwarded call to", "forwarded");
  if (await s.quarantine.has(origin)) throw new NextProvider("this node holds it in quarantine");
  let pricing;
  try {
    pricing = readPricing(tool.pricing);
  } catch (err) {
    if (err instanceof PricingError) throw new NextProvider(`its price cannot be quoted here: ${err.message}`);
    throw err;
  }
  // A subscription call presents the grant this node bought; without one there is nothing to quote.
  const held = pricing.model === "subscription" ? await heldGrant(s, origin, tool.globalId) : undefined;
  if (pricing.model === "subscription" && !held) throw new NextProvider(`${tool.shortName} is priced by subscription: subscribe first (mcpfed subscribe ${tool.shortName})`);
  const price = quoteOf(pricing, held ? { grant: held.id } : {});
  // The caller's budget, if it has one, must cover the price before anything is signed or sent.
  const charge = await s.charges.check(caller.id, price);
  if (!charge.ok) throw new RelayError({ kind: "budget_refused", code: charge.code, budget: charge.budget, message: charge.message });
  const identity = await s.identity();
  const signer = identitySigner(identity);
  const intent: SignedIntent = await signIntent(signer, {
    provider: origin,
    tool: { id: tool.globalId, fingerprint: tool.fingerprint },
    params: { name: tool.definition.name, arguments: call.arguments ?? {} },
    price,
    requestedAt: Date.now(),
    suite: suiteFor(target.features),
  });
  const interactive = target.features.includes(INTERACTION_FEATURE);
  if (call.input?.requestState !== undefined && !interactive) throw new NextProvider(`it does not take retry input (${INTERACTION_FEATURE})`);
  // Answers without a state go as they are to a peer that takes them; an older peer gets the call without them.
  const input = call.input && relayedInput(call.input, target.features);
  const countersigned = s.relay.outbox.take(origin);
  const request: CallRequest = {
    type: "call",
    key: tool.key,
    ...(call.arguments ? { arguments: call.arguments } : {}),
    intent,
    ...(held ? { grant: held.grant } : {}),
    timeoutMs: s.config.callTimeoutMs,
    progress: call.onprogress !== undefined,
    countersigned: countersigned.records,
    relayedFor: caller.id,
    ...(input ? { input } : {}),
    ...(interactive && call.capabilities ? { capabilities: call.capabilities } : {}),
    ...(interactive && call.logLevel ? { logLevel: call.logLevel } : {}),
  };
  const hop = s.tracer?.start("relay.call", "client", call.span, { "mcpfed.tool": tool.globalId, "mcpfed.peer": origin, "mcpfed.route": route });
  // Only a provider that takes the fields gets them: an older one would refuse the call (§5.7).
  if (hop && target.features.includes(TRACE_CONTEXT_FEATURE)) {
    request.traceparent = hop.traceparent;
    if (hop.tracestate) request.tracestate = hop.tracestate;
  }
  try {
    const served = await sendToProvider(s, caller, call, { origin, name, route, peer, request, signal, intent, signer, countersigned });
    // Debited on the call's path, so that the client's next call is checked against what is left.
    return charge.hold && "record" in served ? { ...served, charged: await charge.hold.settle(served.record) } : served;
  } catch (err) {
    hop?.end(err instanceof NextProvider ? "next_provider" : err instanceof RelayError ? err.outcome : outcomeOf(err));
    throw err;
  } finally {
    charge.hold?.release();
    hop?.end("ok");
  }
}

interface Sending {
  origin: string;
  name: string;
  route: "direct" | "forwarded";
  peer: Awaited<ReturnType<typeof getPeer>>;
  request: CallRequest;
  signal: AbortSignal;
  intent: SignedIntent;
  signer: ReturnType<typeof identitySigner>;
  countersigned: ReturnType<Outbox["take"]>;
}

async function sendToProvider(s: ConsumerPort, caller: Caller, call: RelayedCall, { origin, name, route, peer, request, signal, intent, signer, countersigned }: Sending): Promise<Served> {
  const started = performance.now();
  let answer;
  try {
    const options = { signal, timeoutMs: s.config.callTimeoutMs, onprogress: call.onprogress, onlog: call.onlog };
    // A forwarder's fee record goes to the forwarder as a call's record goes to its provider.
    const feePaid: FeePaid = (forwarder, record) => {
      s.relay.outbox.add(forwarder, record.intent.id, record);
      caller.defer(pushCountersigned(s, s.relay.outbox, forwarder));
    };
    answer = route === "direct" ? await s.federation.relayCall(peer!, request, options) : await forwardedCall(s, origin, request, options, feePaid);
  } catch (err) {
    s.relay.outbox.settle(origin, countersigned.ids, []);
    if (err instanceof NoForwardedRoute) throw new NextProvider(err.message, "forwarded");
    // Not sent at all (the provider's card could not be refreshed): passed on as it is.
    if (!(err instanceof PeerRequestError) || err.delivered === undefined) throw err;
    if (err.code === "cancelled") throw new RelayError({ kind: "cancelled" });
    s.relay.stats.record(origin, false, performance.now() - started);
    if (!err.delivered) throw new NextProvider(redact(err.message));
    if (err.code === "timeout") throw new RelayError({ kind: "peer_timeout", message: `${name}: ${err.message}`, peer: origin });
    // The provider may have run the call: only a tool its origin marks idempotent may run twice.
    if (call.tool.definition.annotations?.idempotentHint === true) throw new NextProvider(redact(err.message));
    throw new RelayError({ kind: "peer_unavailable", message: `${name}: ${redact(err.message)}; not tried elsewhere, as the tool is not marked idempotent`, peer: origin });
  }
  const elapsed = Math.ceil(performance.now() - started);
  s.relay.outbox.settle(origin, countersigned.ids, answer.acked);
  if (!answer.ok) {
    s.relay.stats.record(origin, answer.error.code !== "upstream_unavailable", elapsed);
    if (TRY_ANOTHER.has(answer.error.code)) throw new NextProvider(answer.error.message);
    throw new RelayError({ kind: "refused", name, peer: origin, error: answer.error });
  }
  s.relay.stats.record(origin, true, elapsed);
  // No receipt comes with a round that did not complete, and nothing is countersigned for it.
  if ("inputRequired" in answer) return { inputRequired: answer.inputRequired };

  const result = answer.result as CallToolResult;
  // content may be left out (it defaults to none), as the schema allowed before the v2 SDK.
  const valid = isCallToolResult({ content: [], ...(result as object) });
  const record = await countersignAnswer(s, signer, intent, { origin, name, result, receipt: answer.receipt, elapsedMs: elapsed, resultValid: valid }, caller.defer);
  return { result, record, route };
}
