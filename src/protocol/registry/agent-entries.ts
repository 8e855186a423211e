// The registry entry kinds of agents and intents (protocol §17.2): an agent a node registers, an
// intent a principal declares through its node, and an offer a node answers an intent with. They
// are signed, gossiped and tombstoned as every entry is; only their keys, bodies and the checks
// below are their own. Every check reads the entry alone, so every receiver decides the same.
import { z } from "zod";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { decodeHlc } from "./hlc.ts";
import { currencyUnit } from "../ledger/pricing.ts";

export const AGENT_KINDS = ["agent", "intent", "offer"] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

export function isAgentKind(kind: string): kind is AgentKind {
  return (AGENT_KINDS as readonly string[]).includes(kind);
}

/** The longest lease one agent entry carries: a heartbeat renews it, a silent agent drops out within it. */
export const MAX_LEASE_MS = 86_400_000;
/** The longest an intent stays open after it was signed. */
export const MAX_INTENT_LIFETIME_MS = 30 * 86_400_000;
/** The longest an offer stays open after it was signed. */
export const MAX_OFFER_LIFETIME_MS = 30 * 86_400_000;
/** An intent's `need`, in UTF-8 bytes. */
export const MAX_NEED_BYTES = 2048;
export const MAX_TAGS = 32;
export const MAX_DESCRIPTORS = 32;

const HEX64 = "[0-9a-f]{64}";
const HEX32 = "[0-9a-f]{32}";

/** A capability tag: lowercase, so that matching is exact and indexable. */
export const capabilityTag = z.string().regex(/^[a-z0-9][a-z0-9._:-]{0,63}$/, "a tag: [a-z0-9][a-z0-9._:-]{0,63}");
const tags = z
  .array(capabilityTag)
  .max(MAX_TAGS)
  .refine((t) => new Set(t).size === t.length, "no tag twice");
/** Milliseconds since the epoch. */
const ms = z.number().int().min(0).max(2 ** 48 - 1);
const plainText = (max: number) => z.string().min(1).max(max).refine((s) => !/\p{Cc}/u.test(s), "no control characters");
/** An opaque JSON Schema of a descriptor's inputs or outputs, bounded by the entry's own size limit. */
const schema = z.looseObject({});

export const agentName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "an agent name: [A-Za-z0-9][A-Za-z0-9._-]{0,63}");

export const capabilityDescriptor = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/, "a descriptor name"),
  version: z.string().max(64).optional(),
  inputs: schema.optional(),
  outputs: schema.optional(),
});

/** A public key the agent brings, vouched for by its node: the composite or Ed25519 public key, base64url. */
const agentPublicKey = z.strictObject({
  alg: z.enum(["composite", "ed25519"]),
  key: z.string().regex(/^[A-Za-z0-9_-]{1,4096}$/, "base64url"),
});

export const agentBody = z.strictObject({
  name: agentName,
  capabilities: z.strictObject({ tags, descriptors: z.array(capabilityDescriptor).max(MAX_DESCRIPTORS) }),
  /** The agent's own MCP server, or null: it is reached through its node. */
  endpoint: z
    .string()
    .max(2048)
    .url()
    .refine((u) => u.startsWith("https://"), "an https URL")
    .nullable(),
  key: agentPublicKey.optional(),
  /** How far the node trusts the agent, in percent: a factor of discovery's rank. */
  trust: z.number().int().min(0).max(100),
  leaseUntil: ms,
});
export type AgentBody = z.infer<typeof agentBody>;

export const intentBody = z.strictObject({
  need: plainText(MAX_NEED_BYTES).refine((s) => new TextEncoder().encode(s).length <= MAX_NEED_BYTES, `at most ${MAX_NEED_BYTES} bytes`),
  capabilities: tags,
  budget: z.strictObject({ amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), unit: currencyUnit }).optional(),
  /** When the work must be done. */
  deadline: ms,
  /** When the intent stops taking offers. */
  expires: ms,
});
export type IntentBody = z.infer<typeof intentBody>;

/** What accepting the offer buys: a grant (ledger §8.2) of `periodSeconds` for `amount` `unit`. */
export const offerTerms = z.strictObject({
  model: z.literal("subscription"),
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  unit: currencyUnit,
  periodSeconds: z.number().int().min(1).max(366 * 86_400),
});
export type OfferTerms = z.infer<typeof offerTerms>;

export const offerBody = z.strictObject({
  /** The intent's entry id. */
  intent: z.string().regex(new RegExp(`^${HEX64}$`)),
  terms: offerTerms,
  expires: ms,
  /** The offering node's agent that would do the work. */
  agent: z.string().regex(new RegExp(`^${HEX64}$`)).optional(),
});
export type OfferBody = z.infer<typeof offerBody>;

export const agentEntryKey = {
  agent: z.string().regex(new RegExp(`^agent/${HEX64}$`), "agent/<agent id>"),
  intent: z.string().regex(new RegExp(`^intent/${HEX32}$`), "intent/<32 hex>"),
  offer: z.string().regex(new RegExp(`^offer/${HEX64}$`), "offer/<intent entry id>"),
} as const;

export const agentEntryBody = { agent: agentBody, intent: intentBody, offer: offerBody } as const;
export type AgentBodyOf<K extends AgentKind> = z.infer<(typeof agentEntryBody)[K]>;

/** An agent's id under its node: hex SHA-256 of the node id, a zero byte, and the name (the byte keeps the split unambiguous). */
export function agentId(origin: string, name: string): string {
  const enc = new TextEncoder();
  const o = enc.encode(origin);
  const n = enc.encode(name);
  const bytes = new Uint8Array(o.length + 1 + n.length);
  bytes.set(o, 0);
  bytes.set(n, o.length + 1);
  return bytesToHex(sha256(bytes));
}

/** The key an offer for `intentEntryId` has: one offer per node and intent. */
export function offerKey(intentEntryId: string): string {
  return `offer/${intentEntryId}`;
}

interface AgentEntryFields {
  origin: string;
  kind: AgentKind;
  key: string;
  hlc: string;
  tombstone: boolean;
  body?: unknown;
}

/**
 * What makes a well-shaped live agent, intent or offer entry malformed: an agent key that is not
 * the origin's agent of that name, a lease or expiry not after the signing time (the HLC) or too
 * far past it, an intent whose deadline comes before its expiry would matter, an offer keyed to
 * another intent. Empty when there is none.
 */
export function agentEntryProblems(e: AgentEntryFields): { path: (string | number)[]; message: string }[] {
  if (e.tombstone || e.body === undefined) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  let signedAt: number;
  try {
    signedAt = decodeHlc(e.hlc).wall;
  } catch {
    return problems; // the hlc's own check reports it
  }
  const within = (field: string, at: number, max: number) => {
    if (at <= signedAt) add(["body", field], "must be after the entry's HLC");
    else if (at > signedAt + max) add(["body", field], `must be at most ${max} ms after the entry's HLC`);
  };
  if (e.kind === "agent") {
    const b = e.body as AgentBody;
    if (e.key !== `agent/${agentId(e.origin, b.name)}`) add(["key"], "must be agent/<SHA-256(origin ‖ 0x00 ‖ name)>");
    within("leaseUntil", b.leaseUntil, MAX_LEASE_MS);
  } else if (e.kind === "intent") {
    const b = e.body as IntentBody;
    within("expires", b.expires, MAX_INTENT_LIFETIME_MS);
    if (b.deadline < b.expires) add(["body", "deadline"], "must not be before expires");
  } else {
    const b = e.body as OfferBody;
    if (e.key !== offerKey(b.intent)) add(["key"], "must be offer/<the body's intent>");
    within("expires", b.expires, MAX_OFFER_LIFETIME_MS);
  }
  return problems;
}
