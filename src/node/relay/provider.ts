// The provider's side of a relayed call: the envelope has opened, so the caller is an active peer.
// Before anything runs, the call must name a tool this node shares now, with the fingerprint the
// consumer saw, under policy and the peer's limits, with an intent the consumer signed at the
// current price. Then the upstream is called as for a local caller, and the answer carries the
// receipt, stored here as pending until the consumer's countersignature arrives.
import type { CallToolResult, Progress } from "@modelcontextprotocol/server";
import { ProtocolError } from "@modelcontextprotocol/server";
import { ALL_SCOPES } from "../access/principals/scopes.ts";
import { admitCall } from "../access/admission.ts";
import { proxyToolCall } from "../calls/proxy.ts";
import { toolUpstreamSpeaksModern } from "../calls/upstream-era.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { LedgerCheckpoints } from "../ledger/checkpoints.ts";
import { identitySigner } from "../registry/node-keys.ts";
import { PricingError, readPricing } from "../../protocol/ledger/pricing.ts";
import { requestHash } from "../../protocol/ledger/request-hash.ts";
import { CHECKPOINTS_FEATURE } from "../../protocol/ledger/suite.ts";
import { toolOfKey } from "../../protocol/registry/entry.ts";
import type { AnswerFrame, CallError, CallRequest, InputRequired } from "../../protocol/messages/relay.ts";
import type { CallableTools } from "../catalog/callable-tools.ts";
import type { KeptLookups } from "../../store/kept-lookups.ts";
import type { Entry } from "../../protocol/registry/entry.ts";
import type { Database } from "../../store/database.ts";
import { getPeer } from "../../store/peers.ts";
import { takeCountersigned } from "./countersigns.ts";
import { relayedToolCall, RelayInputError } from "./relayed-rounds.ts";
import type { LogEntry } from "./upstream-logs.ts";
import { checkedIntent } from "./errors.ts";
import { callErrorOf, refusal as refuse } from "../calls/refusals.ts";
import { tierRefusal } from "./tier-refusal.ts";
import { METRICS } from "../metrics/definitions.ts";
import type { RateLimiter } from "../access/limits/limiter.ts";
import type { Config } from "../settings/config.ts";
import { chargeOf } from "../trust/peer-allowance.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import type { TrustStandings } from "../trust/standing.ts";
import { parseTraceparent } from "../../protocol/tracing/trace-context.ts";
import { outcomeOf } from "../tracing/outcome.ts";
import type { Span, Tracer } from "../tracing/tracer.ts";
import { upstreamSpan } from "../tracing/upstream-span.ts";

type Answer = AnswerFrame["answer"];
type Caller = Parameters<typeof proxyToolCall>[1];

/** What the provider's side needs of the node, besides what policy and the call proxy need. */
export type ProviderPort = Parameters<typeof proxyToolCall>[0] &
  Parameters<typeof admitCall>[0] &
  Parameters<typeof relayedToolCall>[0] & {
    db: Database;
    nodeId: string;
    /** Kept a moment per process; a change made here clears them (src/store/kept-lookups.ts). */
    callables: Pick<CallableTools, "find">;
    ownTools: Pick<KeptLookups<Entry>, "find">;
    identity: () => Promise<LocalIdentity>;
    ledger: Ledger;
    checkpoints: LedgerCheckpoints;
    config: Pick<Config, "trust">;
    access: { limits: Pick<RateLimiter, "countWithin"> };
    /** The caller's standing (its tier's limits, policy's trustTier) and whether it is held apart. */
    trust: TrustStandings;
    quarantine: Pick<Quarantine, "has">;
    tracer: Tracer | undefined;
  };

/** The peer as policy, limits and the audit trail see it. */
export async function peerCaller(s: ProviderPort, from: string, relayedFor: string | undefined, defer: Caller["defer"]): Promise<Caller> {
  const [peer, rules] = await Promise.all([getPeer(s.db, from), s.access.policy.rules()]);
  const id = `peer:${from}`;
  // The peer's standing is read only when a rule asks for a tier: then policy sees every tier it reached.
  const tiers = s.config.trust.tiers;
  const tier = rules.some((r) => r.trustTier !== null) ? (await s.trust.of(from)).tier.name : undefined;
  const trustTiers = tier === undefined ? undefined : tiers.slice(0, tiers.findIndex((t) => t.name === tier) + 1).map((t) => t.name);
  return {
    id,
    defer,
    principal: {
      kind: "peer",
      id,
      subject: from,
      name: peer?.alias ?? peer?.name ?? from,
      // What a peer may call is for policy to say; scopes gate kinds of request, and this is a call.
      scopes: ALL_SCOPES,
      roles: [],
      ...(relayedFor ? { relayedFor } : {}),
      ...(trustTiers ? { trustTiers } : {}),
    },
  };
}

export interface ServeOptions {
  signal: AbortSignal;
  defer: Caller["defer"];
  onprogress: (p: Progress) => void;
  /** An upstream log message at the call's level or above (only when the call gave one). */
  onlog?: ((entry: LogEntry) => void) | undefined;
}

export async function serveCall(s: ProviderPort, from: string, request: CallRequest, o: ServeOptions): Promise<Answer> {
  // The consumer's hop span parents this one, and is trusted for nothing else (docs/protocol.md §5.7).
  const span = s.tracer?.start("relay.serve", "server", parseTraceparent(request.traceparent, request.tracestate), { "mcpfed.peer": from, "mcpfed.tool": `${s.nodeId}/${toolOfKey(request.key).group}` });
  // Countersignatures of earlier calls are independent of this one: take them while it runs.
  const acking = takeCountersigned(s, from, request.countersigned);
  try {
    const outcome = await run(s, from, request, o, span).catch((err: unknown): { error: CallError } => {
      if (err instanceof RelayInputError) return { error: refuse(err.code, err.message) };
      if (err instanceof ProtocolError) return { error: callErrorOf(err) };
      throw err;
    });
    const acked = await acking;
    const code = "error" in outcome ? outcome.error.code : "inputRequired" in outcome ? "input_required" : "ok";
    s.metrics.count(METRICS.relayHops, { role: "provider", outcome: code });
    span?.end(code, "error" in outcome);
    if ("error" in outcome) return { ok: false, error: outcome.error, acked };
    return { ok: true, ...outcome, acked };
  } catch (err) {
    span?.end(outcomeOf(err));
    throw err;
  } finally {
    if (s.tracer) o.defer(s.tracer.afterRequest());
  }
}

type Outcome = { result: CallToolResult; receipt: unknown } | { inputRequired: InputRequired } | { error: CallError };

async function run(s: ProviderPort, from: string, request: CallRequest, o: ServeOptions, span: Span | undefined): Promise<Outcome> {
  if (await s.quarantine.has(from)) return { error: refuse("quarantined", "this node holds the caller in quarantine") };
  const entry = await s.ownTools.find(request.key);
  if (!entry || entry.signed.kind !== "tool" || entry.signed.tombstone) return { error: refuse("not_shared", `${request.key} is not shared by this node`) };
  const body = entry.signed.body;
  const globalId = `${s.nodeId}/${toolOfKey(request.key).group}`;
  const tool = await s.callables.find({ globalId });
  if (!tool) return { error: refuse("not_shared", `${request.key} is shared but its upstream no longer offers it`) };
  // The upstream may have changed the tool since it was shared: the consumer must not get a different tool.
  if (tool.fingerprint !== body.fingerprint) return { error: refuse("fingerprint_changed", `${request.key} changed since it was shared; it is not served until it is shared again`) };

  let pricing;
  try {
    pricing = readPricing(body.pricing);
  } catch (err) {
    if (err instanceof PricingError) return { error: refuse("internal", `${request.key} has a pricing this node cannot read`) };
    throw err;
  }
  const [identity, peer] = await Promise.all([s.identity(), getPeer(s.db, from)]);
  const accepted = await s.ledger.acceptIntent(request.intent, {
    self: s.nodeId,
    tool: { id: globalId, fingerprint: body.fingerprint },
    pricing,
    grant: request.grant,
    now: Date.now(),
    checkpointSuite: peer?.features.includes(CHECKPOINTS_FEATURE) ?? false,
  });
  const checked = checkedIntent(accepted, from, { noun: "tool", globalId, key: request.key });
  if ("error" in checked) return checked;
  const intent = checked.intent;
  if ((await requestHash(body.tool.name, request.arguments)) !== intent.intent.request) {
    return { error: refuse("intent_refused", "intent refused: it was signed for other arguments") };
  }
  // A second call under one intent would make two results for one record.
  if (await s.ledger.get(intent.intent.id)) return { error: refuse("intent_refused", "intent refused: already used") };
  const over = await tierRefusal(s, from, chargeOf(intent.intent.price));
  if (over) return { error: over };

  const caller = await peerCaller(s, from, request.relayedFor, o.defer);
  const admitted = await admitCall(s, caller, { ...tool, visibility: entry.signed.visibility }, undefined);
  const started = performance.now();
  let answered;
  try {
    answered = await relayedToolCall(s, caller, request, o, {
      name: tool.upstream,
      speaksModern: () => toolUpstreamSpeaksModern(s, caller, tool),
      proxy: (interaction, signal, clientInput) =>
        upstreamSpan(s.tracer, span, tool.upstream, () => proxyToolCall(s, caller, {
          tool,
          arguments: request.arguments,
          calledAs: globalId,
          requestId: intent.intent.id,
          signal: signal ?? o.signal,
          authorization: admitted.reason,
          timeoutMs: request.timeoutMs,
          interaction,
          clientInput,
          ...(request.progress ? { onprogress: o.onprogress } : {}),
        })),
    });
  } finally {
    caller.defer(admitted.release());
  }
  // A round that did not complete signs no receipt: only the round that completes is recorded and priced.
  if ("inputRequired" in answered) return answered;
  const result = answered.result;
  const durationMs = Math.round(performance.now() - started);
  // Never before the intent: the consumer's clock may run ahead of this one.
  const completedAt = Math.max(Date.now(), intent.intent.requestedAt);
  const receipt = await s.ledger.receipt(identitySigner(identity), intent, { result, durationMs, completedAt });
  if (intent.intent.suite) o.defer(s.checkpoints.recorded(from));
  return { result, receipt };
}
