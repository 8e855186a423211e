// A registry entry: one shared tool, resource, resource template or prompt, a public node's own
// card or its compact directory entry (directory-entries.ts), a piece of trust evidence (trust-entries.ts), or an agent, intent or offer
// (agent-entries.ts), or an installable package (package-entries.ts), or a forwarder's claim (forwarding-entries.ts), as its origin node signed it, and the
// unit that gossip replicates. Objects are strict: every field is covered by the signature, so a field this
// version does not know could not be relayed faithfully anyway.
import { canonicalJson } from "../encoding/canonical-json.ts";
import { z } from "zod";
import { sha256Hex } from "../encoding/hash.ts";
import { cardSchema } from "../card/schema.ts";
import { hlcString } from "./hlc.ts";
import { nodeId } from "./node-id.ts";
import { isSemver } from "./semver.ts";
import { itemBody, itemKey, nameOf, definitionOf, ITEM_KINDS, type ItemBody, type ItemKind } from "./shared-items.ts";
import { trustBody, trustEntryProblems, trustKey, isTrustKind, type TrustKind } from "./trust-entries.ts";
import { agentEntryBody, agentEntryKey, agentEntryProblems, isAgentKind, type AgentKind } from "./agent-entries.ts";
import { packageBody, packageEntryProblems, packageKey } from "./package-entries.ts";
import { DIRECTORY_KEY, directoryBody } from "./directory-entries.ts";
import { FORWARDING_KEY, forwardingBody } from "./forwarding-entries.ts";

/** Entries larger than this (canonical signed form, UTF-8) are refused. */
export const MAX_ENTRY_BYTES = 64 * 1024;

export { nodeId };

const upstreamPart = "[a-z0-9][a-z0-9_-]{0,31}";
const toolPart = "[^\\s/@\\p{Cc}]{1,128}";
const labelPart = "[A-Za-z0-9._-]{1,32}";
const KEY = new RegExp(`^(${upstreamPart})/(${toolPart})(?:@(${labelPart}))?$`, "u");

/**
 * `<upstream>/<tool>`, or `<upstream>/<tool>@<label>` when the origin keeps another version of
 * the same tool live beside it. The catalog groups keys by the part before "@".
 */
export const entryKey = z.string().regex(KEY, "<upstream>/<tool>, optionally @<label>");

/** The tool a key names: `<upstream>/<tool>` without the label. */
export function toolOfKey(key: string): { upstream: string; tool: string; group: string } {
  const m = KEY.exec(key);
  if (!m) throw new RangeError(`not an entry key: ${key}`);
  return { upstream: m[1]!, tool: m[2]!, group: `${m[1]}/${m[2]}` };
}

// "private" is not here: a private tool never becomes an entry (see registry.ts, share()).
export const visibility = z.enum(["peers", "public"]);
export type Visibility = z.infer<typeof visibility>;

const objectSchema = z.looseObject({ type: z.literal("object") });

/** What a model sees of the tool, as MCP's Tool carries it. */
export const toolDefinition = z.strictObject({
  name: z.string().min(1).max(128),
  title: z.string().max(256).optional(),
  description: z.string().optional(),
  inputSchema: objectSchema,
  outputSchema: objectSchema.optional(),
  annotations: z.record(z.string(), z.json()).optional(),
});
export type ToolDefinition = z.infer<typeof toolDefinition>;

export const toolBody = z.strictObject({
  version: z.string().max(64).refine(isSemver, "a semantic version"),
  tool: toolDefinition,
  /** `sha256:` + SHA-256 of JCS({name, description, inputSchema}), as for local tools. */
  fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  tags: z.array(z.string().min(1).max(64)).max(32),
  /**
   * The ledger's pricing descriptor (src/protocol/ledger/pricing.ts), or null for free. Opaque here, so
   * that a relay passes on models it does not know; a consumer that cannot read it does not call.
   */
  pricing: z.json(),
  /** Present when the origin vouches the tool read-only and idempotent: consumers may cache results this long. */
  cache: z.strictObject({ ttlSeconds: z.number().int().min(1).max(86_400) }).optional(),
  /**
   * Present when the origin vouches that any provider of the same fingerprint that also says so
   * may serve its calls. Only `true`: absent is the one way to say no, so an entry has one form.
   */
  replicable: z.literal(true).optional(),
  /**
   * The name the origin's own clients list the tool under, when it is not `<upstream>_<tool>`
   * (an empty prefix, the operator's rename). Left out otherwise, so that such entries stay as before.
   */
  listedName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "an MCP tool name, [A-Za-z0-9_-]{1,64}").optional(),
});
export type ToolBody = z.infer<typeof toolBody>;

const common = {
  origin: nodeId,
  kind: z.literal("tool"),
  key: entryKey,
  visibility,
  hlc: hlcString,
};
const live = z.strictObject({ ...common, tombstone: z.literal(false), body: toolBody });
const tombstone = z.strictObject({ ...common, tombstone: z.literal(true) });

/** The one key of a node entry: an origin publishes at most one card. */
export const NODE_CARD_KEY = "card";

/** A node that its operator made public publishes its own card, so that nodes it never met can peer with it. */
export const nodeBody = z.strictObject({ card: cardSchema });
export type NodeBody = z.infer<typeof nodeBody>;

const nodeCommon = {
  origin: nodeId,
  kind: z.literal("node"),
  key: z.literal(NODE_CARD_KEY),
  // A card is for anyone to see; peers-only would defeat its purpose.
  visibility: z.literal("public"),
  hlc: hlcString,
};
const nodeLive = z.strictObject({ ...nodeCommon, tombstone: z.literal(false), body: nodeBody });
const nodeTombstone = z.strictObject({ ...nodeCommon, tombstone: z.literal(true) });

/**
 * A public node's compact directory entry (directory-entries.ts, protocol §20.7). No tombstone: it
 * lapses at its `exp`, and a node that stops being public lets it lapse.
 */
const directoryLive = z.strictObject({
  origin: nodeId,
  kind: z.literal("directory"),
  key: z.literal(DIRECTORY_KEY),
  visibility: z.literal("public"),
  hlc: hlcString,
  tombstone: z.literal(false),
  body: directoryBody,
});

/** A resource, resource template or prompt entry (shared-items.ts): the same fields as a tool's. */
function itemSchemas<K extends ItemKind>(kind: K) {
  const fields = { origin: nodeId, kind: z.literal(kind), key: itemKey[kind], visibility, hlc: hlcString };
  return { live: z.strictObject({ ...fields, tombstone: z.literal(false), body: itemBody[kind] }), tombstone: z.strictObject({ ...fields, tombstone: z.literal(true) }) };
}
const resourceEntry = itemSchemas("resource");
const templateEntry = itemSchemas("resource-template");
const promptEntry = itemSchemas("prompt");

/** A trust entry (trust-entries.ts, protocol §7.1.2): the fields of a tool's, its own key and body. */
function trustSchemas<K extends TrustKind>(kind: K) {
  const fields = { origin: nodeId, kind: z.literal(kind), key: trustKey[kind], visibility, hlc: hlcString };
  return { live: z.strictObject({ ...fields, tombstone: z.literal(false), body: trustBody[kind] }), tombstone: z.strictObject({ ...fields, tombstone: z.literal(true) }) };
}
const vouchEntry = trustSchemas("vouch");
const ratingEntry = trustSchemas("rating");
const assertionEntry = trustSchemas("assertion");
const warningEntry = trustSchemas("warning");
const attestationEntry = trustSchemas("attestation");

/** An agent, intent or offer entry (agent-entries.ts, protocol §17.2): the fields of a tool's, its own key and body. */
function agentSchemas<K extends AgentKind>(kind: K) {
  const fields = { origin: nodeId, kind: z.literal(kind), key: agentEntryKey[kind], visibility, hlc: hlcString };
  return { live: z.strictObject({ ...fields, tombstone: z.literal(false), body: agentEntryBody[kind] }), tombstone: z.strictObject({ ...fields, tombstone: z.literal(true) }) };
}
const agentEntry = agentSchemas("agent");
const intentEntry = agentSchemas("intent");
const offerEntry = agentSchemas("offer");

/** A package entry (protocol §18.1): one installable version, its key `package/<name>@<version>`. */
const packageFields = { origin: nodeId, kind: z.literal("package"), key: packageKey, visibility, hlc: hlcString };
const packageEntry = {
  live: z.strictObject({ ...packageFields, tombstone: z.literal(false), body: packageBody }),
  tombstone: z.strictObject({ ...packageFields, tombstone: z.literal(true) }),
};

/** A forwarder's claim of the nodes it forwards to (forwarding-entries.ts, protocol §12.6.1): peers-only or public, as its operator chooses. */
const forwardingFields = { origin: nodeId, kind: z.literal("forwarding"), key: z.literal(FORWARDING_KEY), visibility, hlc: hlcString };
const forwardingEntry = {
  live: z.strictObject({ ...forwardingFields, tombstone: z.literal(false), body: forwardingBody }),
  tombstone: z.strictObject({ ...forwardingFields, tombstone: z.literal(true) }),
};

// The key names the item: a body for another item under it would mislead every catalog.
function keyMatchesBody(e: { origin: string; kind: string; key: string; hlc: string; tombstone: boolean; body?: unknown }, ctx: z.RefinementCtx) {
  if (e.tombstone || !e.body) return;
  if (isTrustKind(e.kind)) {
    for (const p of trustEntryProblems({ ...e, kind: e.kind })) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    return;
  }
  if (isAgentKind(e.kind)) {
    for (const p of agentEntryProblems({ ...e, kind: e.kind })) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    return;
  }
  if (e.kind === "package") {
    for (const p of packageEntryProblems(e)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    return;
  }
  if (e.kind === "forwarding") {
    // A node does not forward to itself: such a claim would send consumers on a round trip for nothing.
    const ids = (e.body as { destinations?: unknown }).destinations;
    if (Array.isArray(ids) && ids.includes(e.origin)) ctx.addIssue({ code: "custom", path: ["body", "destinations"], message: "must not name the origin itself" });
    return;
  }
  if (e.kind === "tool") {
    // zod runs this even when the key failed its own check; that failure is reported already.
    const m = KEY.exec(e.key);
    if (m && m[2] !== (e.body as ToolBody).tool.name) ctx.addIssue({ code: "custom", path: ["body", "tool", "name"], message: "must be the tool named by the key" });
  } else if ((ITEM_KINDS as readonly string[]).includes(e.kind) && itemKey[e.kind as ItemKind].safeParse(e.key).success) {
    // The key's part after the upstream has no "/": it is this encoding of the name, or another item's.
    const named = nameOf(definitionOf(e.body as ItemBody));
    if (!e.key.endsWith(`/${e.kind === "prompt" ? named : encodeURIComponent(named)}`)) {
      ctx.addIssue({ code: "custom", path: ["key"], message: `must name the ${e.kind} the body describes` });
    }
  }
}

export const unsignedEntry = z
  .discriminatedUnion("kind", [
    z.discriminatedUnion("tombstone", [live, tombstone]),
    z.discriminatedUnion("tombstone", [nodeLive, nodeTombstone]),
    directoryLive,
    z.discriminatedUnion("tombstone", [resourceEntry.live, resourceEntry.tombstone]),
    z.discriminatedUnion("tombstone", [templateEntry.live, templateEntry.tombstone]),
    z.discriminatedUnion("tombstone", [promptEntry.live, promptEntry.tombstone]),
    z.discriminatedUnion("tombstone", [vouchEntry.live, vouchEntry.tombstone]),
    z.discriminatedUnion("tombstone", [ratingEntry.live, ratingEntry.tombstone]),
    z.discriminatedUnion("tombstone", [assertionEntry.live, assertionEntry.tombstone]),
    z.discriminatedUnion("tombstone", [warningEntry.live, warningEntry.tombstone]),
    z.discriminatedUnion("tombstone", [attestationEntry.live, attestationEntry.tombstone]),
    z.discriminatedUnion("tombstone", [agentEntry.live, agentEntry.tombstone]),
    z.discriminatedUnion("tombstone", [intentEntry.live, intentEntry.tombstone]),
    z.discriminatedUnion("tombstone", [offerEntry.live, offerEntry.tombstone]),
    z.discriminatedUnion("tombstone", [packageEntry.live, packageEntry.tombstone]),
    z.discriminatedUnion("tombstone", [forwardingEntry.live, forwardingEntry.tombstone]),
  ])
  .superRefine(keyMatchesBody);
export type UnsignedEntry = z.infer<typeof unsignedEntry>;

/** The signature: base64url of the origin's signature over the canonical unsigned entry. */
const sig = z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/, "base64url");

export const signedEntry = z
  .discriminatedUnion("kind", [
    z.discriminatedUnion("tombstone", [live.extend({ sig }), tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [nodeLive.extend({ sig }), nodeTombstone.extend({ sig })]),
    directoryLive.extend({ sig }),
    z.discriminatedUnion("tombstone", [resourceEntry.live.extend({ sig }), resourceEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [templateEntry.live.extend({ sig }), templateEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [promptEntry.live.extend({ sig }), promptEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [vouchEntry.live.extend({ sig }), vouchEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [ratingEntry.live.extend({ sig }), ratingEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [assertionEntry.live.extend({ sig }), assertionEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [warningEntry.live.extend({ sig }), warningEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [attestationEntry.live.extend({ sig }), attestationEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [agentEntry.live.extend({ sig }), agentEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [intentEntry.live.extend({ sig }), intentEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [offerEntry.live.extend({ sig }), offerEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [packageEntry.live.extend({ sig }), packageEntry.tombstone.extend({ sig })]),
    z.discriminatedUnion("tombstone", [forwardingEntry.live.extend({ sig }), forwardingEntry.tombstone.extend({ sig })]),
  ])
  .superRefine(keyMatchesBody);
export type SignedEntry = z.infer<typeof signedEntry>;

/** A signed entry with its canonical text and id, computed once. */
export interface Entry {
  /** Hex SHA-256 of `canonical`: the entry hash that breaks HLC ties and names it in reconciliation. */
  id: string;
  signed: SignedEntry;
  /** RFC 8785 (JCS) form of `signed`: what is hashed, sized and stored. */
  canonical: string;
}


/** The bytes the origin signs: the canonical form of the entry without `sig`. */
export function signingBytes(entry: UnsignedEntry | SignedEntry): Uint8Array {
  const { sig: _sig, ...unsigned } = entry as SignedEntry;
  return new TextEncoder().encode(canonicalJson(unsigned));
}

export async function toEntry(signed: SignedEntry): Promise<Entry> {
  const canonical = canonicalJson(signed);
  return { id: await sha256Hex(canonical), signed, canonical };
}

export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
