// Running a tool for a caller nobody knows (docs/protocol.md §13.5): the gateway has opened an
// anonymous call, and the only name the call gets here is a pseudonym made for it alone. Only a
// tool this node shares publicly runs this way; a priced one must be paid for with tokens this
// node issued or a node it trusts issued (src/node/tokens/redemption.ts). No ledger record names the
// caller: there is no counterparty to sign one, and the redemption count is the record (tokens of a
// trusted issuer make a record between this node and that issuer, which names no caller either).
import type { CallToolResult } from "@modelcontextprotocol/server";
import { ProtocolError } from "@modelcontextprotocol/server";
import { admitCall } from "../../access/admission.ts";
import type { Caller } from "../../access/principals/caller.ts";
import type { Principal } from "../../access/principals/principal.ts";
import { ALL_SCOPES } from "../../access/principals/scopes.ts";
import { proxyToolCall } from "../../calls/proxy.ts";
import { isPassedInputRequired } from "../../interactive/passed-rounds.ts";
import { callErrorOf } from "../../calls/refusals.ts";
import type { CallableTools } from "../../catalog/callable-tools.ts";
import type { KeptLookups } from "../../../store/kept-lookups.ts";
import { toolOfKey, type Entry } from "../../../protocol/registry/entry.ts";
import { PricingError, readPricing, type Pricing } from "../../../protocol/ledger/pricing.ts";
import { redeemTokens, type RedemptionPort } from "../../tokens/redemption.ts";
import type { OnlineRedemptionPort } from "../../tokens/online-redemption.ts";
import { MISSING_CAPABILITY } from "../../../protocol/messages/relay.ts";
import type { AnonymousAnswer, AnonymousCall, AnonymousCallErrorCode } from "../../../protocol/routes/ohttp/anonymous-call.ts";

export type AnonymousExecutionPorts = Parameters<typeof proxyToolCall>[0] &
  Parameters<typeof admitCall>[0] &
  RedemptionPort &
  OnlineRedemptionPort & {
    callables: Pick<CallableTools, "find">;
    ownTools: Pick<KeptLookups<Entry>, "find">;
  };

/** The principal an anonymous call runs as: kind `anonymous`, a pseudonym of this one call. */
export function pseudonymous(pseudonym: string): Principal {
  return { kind: "anonymous", id: pseudonym, subject: pseudonym, name: "anonymous caller", scopes: ALL_SCOPES, roles: [] };
}

const refused = (code: AnonymousCallErrorCode, message: string): AnonymousAnswer => ({ ok: false, error: { code, message } });

export interface AnonymousRun {
  signal: AbortSignal;
  defer: Caller["defer"];
}

export async function runAnonymousCall(s: AnonymousExecutionPorts, pseudonym: string, call: AnonymousCall, o: AnonymousRun): Promise<AnonymousAnswer> {
  const entry = await s.ownTools.find(call.key);
  // One answer for unknown, withdrawn and not-public tools: an anonymous caller learns no more.
  if (!entry || entry.signed.kind !== "tool" || entry.signed.tombstone || entry.signed.visibility !== "public") {
    return refused("not_shared", `${call.key} is not shared publicly by this node`);
  }
  const body = entry.signed.body;
  const globalId = `${s.nodeId}/${toolOfKey(call.key).group}`;
  const tool = await s.callables.find({ globalId });
  if (!tool) return refused("not_shared", `${call.key} is not shared publicly by this node`);
  if (tool.fingerprint !== body.fingerprint || call.fingerprint !== body.fingerprint) {
    return refused("fingerprint_changed", `${call.key} is not the tool the caller saw; read its entry again`);
  }
  // A per-principal upstream runs with each caller's own credential, and a pseudonym has none.
  if (tool.perPrincipal) return refused("forbidden", `${call.key} runs with each caller's own credential; an anonymous caller has none`);
  let pricing: Pricing;
  try {
    pricing = readPricing(body.pricing);
  } catch (err) {
    if (err instanceof PricingError) return refused("internal", `${call.key} has a pricing this node cannot read`);
    throw err;
  }

  const caller: Caller = { id: pseudonym, principal: pseudonymous(pseudonym), defer: o.defer };
  let result: CallToolResult;
  try {
    const admitted = await admitCall(s, caller, { ...tool, visibility: "public" }, undefined);
    try {
      // Paid last, once nothing but the run itself can refuse the call: a refusal spends no token.
      const paid = await redeemTokens(s, call.tokens, pricing, Date.now(), caller.defer);
      if (!paid.ok) return refused(paid.code, paid.message);
      const out = await proxyToolCall(s, caller, { tool, arguments: call.arguments, calledAs: globalId, requestId: pseudonym, signal: o.signal, authorization: admitted.reason });
      if (isPassedInputRequired(out)) return refused("input_required", `${call.key} asks its caller for input, which no one can give across the gateway`);
      result = out;
    } finally {
      caller.defer(admitted.release());
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    if (err.code === MISSING_CAPABILITY) return refused("input_required", `${call.key} asks its caller for input, which no one can give across the gateway`);
    const e = callErrorOf(err);
    const code: AnonymousCallErrorCode = e.code === "forbidden" || e.code === "rate_limited" || e.code === "upstream_timeout" || e.code === "upstream_unavailable" ? e.code : "upstream_error";
    return refused(code, e.message);
  }
  return { ok: true, result };
}
