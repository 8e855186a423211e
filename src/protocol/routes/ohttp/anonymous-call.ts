// The anonymous call (docs/protocol.md §13.4): the Binary HTTP request a consumer seals to a
// provider's gateway, and the answer inside the sealed response. It names a tool the provider
// shares publicly, never the caller; tokens pay for a priced tool.
import { z } from "zod";
import { nestsDeeperThan } from "../../encoding/json-depth.ts";
import { utf8 } from "../../encoding/bytes.ts";
import { entryKey } from "../../registry/entry.ts";
import { MAX_MESSAGE_DEPTH } from "../../messages/federation.ts";
import { MAX_TOKENS_PER_CALL } from "../../tokens/value.ts";
import { tokenText } from "../../tokens/token.ts";
import type { BinaryRequest, BinaryResponse } from "./binary-http.ts";

/** The target of every anonymous call inside the encapsulation: POST https://<gateway node id>/mcpfed/1/anonymous-call. */
export const ANONYMOUS_CALL_PATH = "/mcpfed/1/anonymous-call";
const JSON_TYPE = "application/json";
/** Privacy Pass tokens one call may carry: as many as one sale sells (docs/protocol.md §15). */
export const MAX_CALL_TOKENS = MAX_TOKENS_PER_CALL;

export const anonymousCall = z.strictObject({
  type: z.literal("anonymous-call"),
  /** The registry entry's key, `<upstream>/<tool>`: the tool the consumer saw in the provider's public entry. */
  key: entryKey,
  /** The fingerprint the consumer saw: the provider refuses a tool that changed since. */
  fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  arguments: z.record(z.string(), z.unknown()).optional(),
  /** Privacy Pass tokens (RFC 9578 Token structures, base64url), for a priced tool. */
  tokens: z.array(tokenText).max(MAX_CALL_TOKENS).optional(),
  /** Seconds since the epoch: the gateway refuses a call outside its clock window, and a replay within it. */
  iat: z.number().int().nonnegative(),
});
export type AnonymousCall = z.infer<typeof anonymousCall>;

/** Why a gateway did not run an anonymous call, or how the run failed. */
export const ANONYMOUS_CALL_ERRORS = {
  bad_request: 400,
  /** Padding after the Binary HTTP request that is not all zeros (§13.3.1). */
  bad_padding: 400,
  /** `iat` outside the gateway's clock window. */
  stale: 400,
  /** No tool under this key that this node shares with visibility `public` (the same answer whatever the reason). */
  not_shared: 404,
  fingerprint_changed: 409,
  /** A priced tool, and not enough valid tokens. */
  payment_required: 402,
  /** A price tokens cannot pay (per_time, subscription, another unit): more tokens would not help (§15.5). */
  token_price_unsupported: 402,
  /** Tokens of an issuer this node does not accept (§15.9). */
  issuer_not_trusted: 402,
  /** The tokens' issuer could not be asked; nothing was spent (§15.9). */
  issuer_unavailable: 503,
  /** A token already spent, or under an issuer key that is not current (§15). */
  token_spent: 402,
  token_key_expired: 402,
  token_invalid: 402,
  forbidden: 403,
  rate_limited: 429,
  /** The tool asked the caller something: there is no one to ask across the gateway. */
  input_required: 422,
  upstream_error: 502,
  upstream_timeout: 504,
  upstream_unavailable: 503,
  internal: 500,
} as const;
export type AnonymousCallErrorCode = keyof typeof ANONYMOUS_CALL_ERRORS;
const errorCodes = Object.keys(ANONYMOUS_CALL_ERRORS) as [AnonymousCallErrorCode, ...AnonymousCallErrorCode[]];

export const anonymousAnswer = z.union([
  z.strictObject({ ok: z.literal(true), result: z.looseObject({}) }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: z.enum(errorCodes), message: z.string().max(2000) }) }),
]);
export type AnonymousAnswer = z.infer<typeof anonymousAnswer>;

/** The Binary HTTP request that carries `call` to the gateway of node `gateway`. */
export function anonymousCallRequest(gateway: string, call: AnonymousCall): BinaryRequest {
  return {
    method: "POST",
    scheme: "https",
    authority: gateway,
    path: ANONYMOUS_CALL_PATH,
    headers: [["content-type", JSON_TYPE]],
    content: utf8(JSON.stringify(call)),
  };
}

/** The call in a decapsulated request to the gateway of node `self`, or why it is not one. */
export function readAnonymousCall(request: BinaryRequest, self: string): AnonymousCall | string {
  if (request.method !== "POST" || request.path !== ANONYMOUS_CALL_PATH) return `only POST ${ANONYMOUS_CALL_PATH} is served here`;
  if (request.authority !== self) return "the request names another gateway";
  return parseJson(request.content, anonymousCall) ?? "not an anonymous-call message";
}

/** The Binary HTTP response that carries an answer. */
export function anonymousAnswerResponse(answer: AnonymousAnswer): BinaryResponse {
  return {
    status: answer.ok ? 200 : ANONYMOUS_CALL_ERRORS[answer.error.code],
    headers: [["content-type", JSON_TYPE]],
    content: utf8(JSON.stringify(answer)),
  };
}

/** The answer in a decapsulated response, or undefined when it is not one. */
export function readAnonymousAnswer(response: BinaryResponse): AnonymousAnswer | undefined {
  return parseJson(response.content, anonymousAnswer);
}

function parseJson<T extends z.ZodType>(bytes: Uint8Array, schema: T): z.infer<T> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (nestsDeeperThan(raw, MAX_MESSAGE_DEPTH)) return undefined;
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
