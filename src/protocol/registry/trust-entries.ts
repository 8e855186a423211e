// The registry entry kinds that carry trust evidence between nodes (protocol §7.1.2): a vouch, a
// rating of a tool backed by a confirmed ledger record, a published score (an assertion), a
// warning, and a validator's attestation. They are signed, gossiped and revoked as tool entries
// are; only their keys, bodies and the checks below are their own. All numbers are integers, so
// that the canonical form is the same in every language.
import { z } from "zod";
import { decodeHlc } from "./hlc.ts";
import { NODE_ID_PATTERN, nodeId } from "../identity/node-id.ts";
import { record } from "../ledger/record.ts";

export const TRUST_KINDS = ["vouch", "rating", "assertion", "warning", "attestation"] as const;
export type TrustKind = (typeof TRUST_KINDS)[number];

export function isTrustKind(kind: string): kind is TrustKind {
  return (TRUST_KINDS as readonly string[]).includes(kind);
}

/** The furthest an entry may expire after it was signed (its HLC): a vouch or warning is renewed, not eternal. */
export const MAX_TRUST_LIFETIME_SECONDS = 400 * 86_400;
/** The longest text a rating or warning carries, in Unicode code points. */
export const MAX_TRUST_TEXT = 280;
/** The most ledger record ids one warning cites. */
export const MAX_WARNING_RECORDS = 16;

const SCOPE = "[a-z0-9][a-z0-9._-]{0,63}";
const STATUS = "[a-z0-9][a-z0-9-]{0,31}";
const TOOL = "[a-z0-9][a-z0-9_-]{0,31}/[^\\s/@\\p{Cc}]{1,128}";

/** A capability or tag a vouch is limited to. */
export const vouchScope = z.string().regex(new RegExp(`^${SCOPE}$`), "a scope: [a-z0-9][a-z0-9._-]{0,63}");
/** What an attestation says of its subject, e.g. `premium`, `verified-domain`. */
export const attestationStatus = z.string().regex(new RegExp(`^${STATUS}$`), "a status: [a-z0-9][a-z0-9-]{0,31}");
/** A tier name, as the operator's TRUST_TIERS names them. */
const tier = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "a tier name");
/** Unix seconds. */
const seconds = z.number().int().min(0).max(2 ** 40);
/** Free text shown to operators: bounded, and without control characters that could rewrite a terminal. */
const text = z
  .string()
  .min(1)
  .refine((s) => [...s].length <= MAX_TRUST_TEXT, `at most ${MAX_TRUST_TEXT} characters`)
  .refine((s) => !/\p{Cc}/u.test(s), "no control characters");
/** A DNS host name in lowercase ASCII (A-labels for IDNs), as a card's URL host is. */
const domain = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a lowercase DNS name");

export const trustKey = {
  vouch: z.string().regex(new RegExp(`^(${NODE_ID_PATTERN})(?:/(${SCOPE}))?$`), "<subject> or <subject>/<scope>"),
  rating: z.string().regex(new RegExp(`^(${NODE_ID_PATTERN})/(${TOOL})$`, "u"), "<toolOrigin>/<upstream>/<tool>"),
  assertion: z.string().regex(new RegExp(`^${NODE_ID_PATTERN}$`), "<subject>"),
  warning: z.string().regex(new RegExp(`^${NODE_ID_PATTERN}$`), "<subject>"),
  attestation: z.string().regex(new RegExp(`^(${NODE_ID_PATTERN})/(${STATUS})$`), "<subject>/<status>"),
} as const;

export const vouchBody = z.strictObject({
  subject: nodeId,
  /** How much of its own standing the origin lends, in percent. */
  weight: z.number().int().min(1).max(100),
  scope: vouchScope.optional(),
  expiresAt: seconds,
});
export type VouchBody = z.infer<typeof vouchBody>;

export const ratingBody = z.strictObject({
  toolOrigin: nodeId,
  /** `<upstream>/<tool>` at the origin, without a version label: the tool's global id is `<toolOrigin>/<tool>`. */
  tool: z.string().regex(new RegExp(`^${TOOL}$`, "u"), "<upstream>/<tool>"),
  fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  stars: z.number().int().min(1).max(5),
  text: text.optional(),
  /** A confirmed ledger record (§8.3, §8.4) of a call by the rater to this tool, signed by both. */
  proof: record,
});
export type RatingBody = z.infer<typeof ratingBody>;

export const assertionBody = z.strictObject({
  subject: nodeId,
  /** The origin's score of the subject, per mille. */
  score: z.number().int().min(0).max(1000),
  tier,
  computedAt: seconds,
});
export type AssertionBody = z.infer<typeof assertionBody>;

export const WARNING_REASONS = ["disputes", "fraud", "unavailable", "malicious", "spam", "other"] as const;
export const warningBody = z.strictObject({
  subject: nodeId,
  reason: z.enum(WARNING_REASONS),
  text: text.optional(),
  /** Ledger record ids (intent ids) the warning rests on. */
  records: z
    .array(z.string().regex(/^[0-9a-f]{64}$/))
    .min(1)
    .max(MAX_WARNING_RECORDS)
    .refine((ids) => new Set(ids).size === ids.length, "no record twice")
    .optional(),
  expiresAt: seconds,
});
export type WarningBody = z.infer<typeof warningBody>;

export const attestationBody = z.strictObject({
  subject: nodeId,
  status: attestationStatus,
  /** The domain the validator checked, for statuses about one. */
  domain: domain.optional(),
  expiresAt: seconds,
});
export type AttestationBody = z.infer<typeof attestationBody>;

export const trustBody = { vouch: vouchBody, rating: ratingBody, assertion: assertionBody, warning: warningBody, attestation: attestationBody } as const;
export type TrustBody = VouchBody | RatingBody | AssertionBody | WarningBody | AttestationBody;
export type TrustBodyOf<K extends TrustKind> = z.infer<(typeof trustBody)[K]>;

/** The key a live entry of this kind and body must have: one slot per subject (and scope, tool, status). */
export function keyOfTrust<K extends TrustKind>(kind: K, body: TrustBodyOf<K>): string {
  switch (kind) {
    case "vouch": {
      const b = body as VouchBody;
      return b.scope === undefined ? b.subject : `${b.subject}/${b.scope}`;
    }
    case "rating": {
      const b = body as RatingBody;
      return `${b.toolOrigin}/${b.tool}`;
    }
    case "attestation": {
      const b = body as AttestationBody;
      return `${b.subject}/${b.status}`;
    }
    default:
      return (body as AssertionBody | WarningBody).subject;
  }
}

/** The node a trust entry is about: the subject, or a rating's tool origin. */
export function subjectOfTrust(kind: TrustKind, body: TrustBody): string {
  return kind === "rating" ? (body as RatingBody).toolOrigin : (body as VouchBody).subject;
}

/** Unix seconds at which an entry stops counting, or undefined for kinds that do not expire (ratings, assertions). */
export function expiryOf(body: TrustBody): number | undefined {
  return "expiresAt" in body ? body.expiresAt : undefined;
}

interface TrustEntryFields {
  origin: string;
  kind: TrustKind;
  key: string;
  hlc: string;
  tombstone: boolean;
  body?: unknown;
}

/**
 * What makes a well-shaped live trust entry still malformed: a key that is not its body's, an
 * entry about its own origin, an expiry outside (signing time, signing time + 400 days], a score
 * computed after it was signed, a rating whose proof is not a confirmed record of the rater's call
 * to that tool. Each is a reason, empty when there is none. Every check reads the entry alone,
 * so every receiver decides the same whatever its clock.
 */
export function trustEntryProblems(e: TrustEntryFields): { path: (string | number)[]; message: string }[] {
  if (e.tombstone || e.body === undefined) return [];
  const body = e.body as TrustBody;
  const problems: { path: (string | number)[]; message: string }[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  if (keyOfTrust(e.kind, body as never) !== e.key) add(["key"], `must be ${e.kind === "vouch" ? "<subject> or <subject>/<scope>" : e.kind === "rating" ? "<toolOrigin>/<tool>" : e.kind === "attestation" ? "<subject>/<status>" : "<subject>"} of the body`);
  if (subjectOfTrust(e.kind, body) === e.origin) add(["body", e.kind === "rating" ? "toolOrigin" : "subject"], `a self-${e.kind} (about its own origin) is refused`);
  let signedAt: number;
  try {
    signedAt = Math.floor(decodeHlc(e.hlc).wall / 1000);
  } catch {
    return problems; // the hlc's own check reports it
  }
  const expires = expiryOf(body);
  if (expires !== undefined && expires <= signedAt) add(["body", "expiresAt"], "must be after the entry's HLC");
  if (expires !== undefined && expires > signedAt + MAX_TRUST_LIFETIME_SECONDS) add(["body", "expiresAt"], "must be at most 400 days after the entry's HLC");
  if (e.kind === "assertion" && (body as AssertionBody).computedAt > signedAt) add(["body", "computedAt"], "must not be after the entry's HLC");
  if (e.kind === "rating") {
    const b = body as RatingBody;
    const { intent, sigs } = b.proof;
    if (sigs.countersign === undefined) add(["body", "proof", "sigs", "countersign"], "the proof must be a confirmed record");
    if (intent.consumer !== e.origin) add(["body", "proof", "intent", "consumer"], "the rater must be the record's consumer");
    if (intent.provider !== b.toolOrigin) add(["body", "proof", "intent", "provider"], "the tool's origin must be the record's provider");
    if (intent.tool.id !== `${b.toolOrigin}/${b.tool}`) add(["body", "proof", "intent", "tool", "id"], "the record must be a call to the rated tool");
    if (intent.tool.fingerprint !== b.fingerprint) add(["body", "fingerprint"], "must be the fingerprint the record's call was made to");
  }
  return problems;
}
