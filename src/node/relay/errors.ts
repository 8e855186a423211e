// The relay's errors, and the one place they become MCP errors: what a consumer's client gets
// when a peer's tool cannot answer, and what a provider tells a consumer when a local check or
// the upstream refused the call.
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { FedErrorCode } from "../calls/errors.ts";
import { refusal } from "../calls/refusals.ts";
import type { Outcome } from "../calls/invocations.ts";
import type { Acceptance } from "../../protocol/ledger/acceptance.ts";
import type { SignedIntent } from "../../protocol/ledger/record.ts";
import type { ReceiptRejection } from "../../protocol/ledger/signing.ts";
import type { CallError } from "../../protocol/messages/relay.ts";
import { redact } from "../../secrets/redaction.ts";
import type { RouteKind } from "../../protocol/routes/roles.ts";

/** Why a relayed call failed, as the consumer's client learns it. */
export type RelayFailure =
  | { kind: "cancelled" }
  /** The provider took the call and did not answer in time. */
  | { kind: "peer_timeout"; message: string; peer: string }
  /** No provider could take the call (`tried` of them), or one failed after it may have run it (`peer`). */
  | { kind: "peer_unavailable"; message: string; peer: string }
  | { kind: "peer_unavailable"; message: string; tried: number }
  /** No provider allowed for the tool is in reach of this node (src/node/catalog/providers.ts). */
  | { kind: "unreachable"; message: string; origin: string }
  /** The provider's receipt did not verify: the result is withheld. */
  | { kind: "receipt_rejected"; message: string; peer: string; reason: ReceiptRejection }
  /** A retry's request state is not one this node gave out. */
  | { kind: "bad_request_state"; message: string }
  /** The provider refused the call, or its upstream failed; `error` is what it said. */
  | { kind: "refused"; name: string; peer: string; error: CallError }
  /** The route the call asked for (or its principal's default) cannot be built; no other is taken in its place. */
  | { kind: "route_unavailable"; route: RouteKind; message: string }
  /** The budget the caller's calls are charged to cannot pay this one (protocol §17.9): nothing was sent. */
  | { kind: "budget_refused"; code: "budget_exhausted" | "budget_unit"; budget: { owner: string; unit: string; task: string }; message: string }
  /** An origin's gateway refused an anonymous call it opened (docs/protocol.md §13.4); `code` is its code. */
  | { kind: "gateway_refused"; name: string; peer: string; code: string; message: string };

export class RelayError extends ProtocolError {
  constructor(readonly failure: RelayFailure) {
    const { code, message, data } = mcpErrorOf(failure);
    super(code, message, data);
  }

  /** The call's outcome in the invocation log. */
  get outcome(): Outcome {
    const f = this.failure;
    if (f.kind === "cancelled") return "cancelled";
    if (f.kind === "peer_timeout") return "timeout";
    if (f.kind === "peer_unavailable" || f.kind === "unreachable" || f.kind === "route_unavailable") return "unavailable";
    if (f.kind === "refused") return f.error.code === "upstream_error" ? "upstream_error" : f.error.code === "upstream_timeout" ? "timeout" : f.error.code === "cancelled" ? "cancelled" : "peer_refused";
    return "peer_refused";
  }
}

function mcpErrorOf(f: RelayFailure): { code: number; message: string; data: Record<string, unknown> } {
  switch (f.kind) {
    case "cancelled":
      return { code: FedErrorCode.Cancelled, message: "the request was cancelled", data: { type: "cancelled" } };
    case "peer_timeout":
      return { code: FedErrorCode.RequestTimeout, message: f.message, data: { type: "peer_timeout", peer: f.peer } };
    case "peer_unavailable":
      return { code: FedErrorCode.UpstreamUnavailable, message: f.message, data: "peer" in f ? { type: "peer_unavailable", peer: f.peer } : { type: "peer_unavailable", tried: f.tried } };
    case "unreachable":
      return { code: FedErrorCode.UpstreamUnavailable, message: f.message, data: { type: "peer_unreachable", origin: f.origin } };
    case "route_unavailable":
      return { code: FedErrorCode.UpstreamUnavailable, message: f.message, data: { type: "route_unavailable", route: f.route } };
    case "gateway_refused":
      return { code: FedErrorCode.PeerRefused, message: `${f.name}: ${redact(f.message)}`, data: { type: `peer_${f.code}`, peer: f.peer, code: f.code } };
    case "budget_refused":
      return { code: FedErrorCode.BudgetRefused, message: f.message, data: { type: f.code, budget: f.budget } };
    case "bad_request_state":
      return { code: ProtocolErrorCode.InvalidParams, message: f.message, data: { type: "bad_request_state" } };
    case "receipt_rejected":
      return { code: FedErrorCode.ReceiptRejected, message: f.message, data: { type: "receipt_rejected", peer: f.peer, reason: f.reason } };
    case "refused": {
      const e = f.error;
      const code =
        e.mcp ??
        (e.code === "upstream_timeout" ? FedErrorCode.RequestTimeout : e.code === "cancelled" ? FedErrorCode.Cancelled : e.code === "bad_request" || e.code === "bad_request_state" ? ProtocolErrorCode.InvalidParams : FedErrorCode.PeerRefused);
      const type = e.code === "upstream_error" ? "upstream_error" : e.code === "upstream_timeout" ? "peer_timeout" : e.code === "cancelled" ? "cancelled" : `peer_${e.code}`;
      const required = e.requiredCapabilities ? { requiredCapabilities: e.requiredCapabilities } : {};
      return { code, message: `${f.name}: ${redact(e.message)}`, data: { type, peer: f.peer, code: e.code, ...required } };
    }
  }
}


/**
 * The intent a relayed request carries, once the ledger accepted it and the sender is the node
 * that signed it; else why the provider refuses it. The same for a tool's call and an item's read.
 */
export function checkedIntent(accepted: Acceptance, from: string, what: { noun: "tool" | "item"; globalId: string; key: string }): { intent: SignedIntent } | { error: CallError } {
  if (!accepted.ok) {
    if (accepted.reason === "wrong_tool") return { error: refusal("fingerprint_changed", `the intent names another ${what.noun} or fingerprint than ${what.globalId} as shared now`) };
    if (accepted.reason === "price_changed") return { error: refusal("price_changed", `the price of ${what.key} changed; quote it again`) };
    return { error: refusal("intent_refused", `intent refused: ${accepted.reason}`) };
  }
  if (accepted.intent.intent.consumer !== from) return { error: refusal("intent_refused", "intent refused: signed by another node than the sender") };
  return { intent: accepted.intent };
}
