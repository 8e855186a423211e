// Session version tokens (protocol §17.7). A token stands for what a client has seen of one key:
// per writer, the highest HLC of that writer's deltas on the key. That is enough without
// per-writer sequence numbers because a writer's deltas on one key are cumulative for the types
// sessions guard (a register's later stamp wins, counters and budgets carry running totals): a
// node holding a writer's delta at or after that HLC holds everything the earlier ones said. A
// token names the node that issued it, the principal it was issued to there, and the hash of a
// secret the client chose for its session (which it shows with the token on every node: node
// principals are per node, the secret goes with the client); the issuing node signs it
// with the Ed25519 half of its key (context `mcpfed/1 blackboard-session`): a token gives no
// access, only an order to wait for, so the classical half is enough and verifying stays cheap.
import { z } from "zod";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { nodeId } from "../identity/node-id.ts";
import { hlcString } from "../registry/hlc.ts";
import { blackboardKey, namespaceName } from "./delta.ts";

export const SESSION_CONTEXT = "mcpfed/1 blackboard-session";
/** Writers one token names; a key written by more has no session guarantee past them. */
export const MAX_TOKEN_WRITERS = 64;
const MAX_TOKEN_CHARS = 16 * 1024;

/** writer → highest HLC seen of its deltas on the key. */
export type VersionVector = Record<string, string>;

export const sessionClaims = z.strictObject({
  v: z.literal(1),
  namespace: namespaceName,
  key: blackboardKey,
  /** The principal id, at the issuing node, the token was handed to. */
  principal: z.string().min(1).max(300),
  issuer: nodeId,
  /** Hex SHA-256 of the client's session secret. */
  client: z.string().regex(/^[0-9a-f]{64}$/),
  vector: z.record(nodeId, hlcString).refine((v) => Object.keys(v).length <= MAX_TOKEN_WRITERS, `at most ${MAX_TOKEN_WRITERS} writers`),
});
export type SessionClaims = z.infer<typeof sessionClaims>;

export class SessionTokenError extends Error {
  override name = "SessionTokenError";
}

/** True when `a` includes every write `b` does. */
export function covers(a: VersionVector, b: VersionVector): boolean {
  return Object.entries(b).every(([writer, hlc]) => (a[writer] ?? "") >= hlc);
}

/** The pointwise maximum: what a client has seen after two answers. */
export function joinVectors(a: VersionVector, b: VersionVector): VersionVector {
  const out = { ...a };
  for (const [w, h] of Object.entries(b)) if ((out[w] ?? "") < h) out[w] = h;
  return out;
}

export const tokenSigningBytes = (c: SessionClaims) => utf8(canonicalJson(c));

/** `<base64url of the canonical claims>.<base64url signature>`. */
export function encodeToken(c: SessionClaims, sig: Uint8Array): string {
  return `${toBase64url(tokenSigningBytes(c))}.${toBase64url(sig)}`;
}

/** Parses a token's form and claims; the signature is the caller's to check. Throws SessionTokenError. */
export function decodeToken(token: string): { claims: SessionClaims; sig: Uint8Array } {
  if (token.length > MAX_TOKEN_CHARS) throw new SessionTokenError("token too long");
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) throw new SessionTokenError("not a session token");
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64url(m[1]!)));
  } catch {
    throw new SessionTokenError("not a session token");
  }
  const parsed = sessionClaims.safeParse(claims);
  if (!parsed.success) throw new SessionTokenError("malformed session token");
  // One signed form: a token whose claims are not canonical was not made by a node.
  if (toBase64url(tokenSigningBytes(parsed.data)) !== m[1]) throw new SessionTokenError("malformed session token");
  return { claims: parsed.data, sig: fromBase64url(m[2]!) };
}
