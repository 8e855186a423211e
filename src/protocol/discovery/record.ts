// Index records (docs/protocol.md §20.1): what a node says it provides under one index key,
// signed by that node, versioned and expiring. Responsible nodes store them and hand them to
// askers, who verify each against the origin's key: an index node can hide a record, never forge one.
import { z } from "zod";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { fromBase64url, toBase64url } from "../encoding/bytes.ts";
import { nodeId } from "../identity/node-id.ts";
import type { EntrySigner, OriginKey } from "../identity/signer.ts";
import { agentName, capabilityTag, MAX_TAGS } from "../registry/agent-entries.ts";

export const INDEX_RECORD_VERSION = 1;
/** Domain separation: an index record's signature never passes for an entry, card or envelope. */
export const INDEX_RECORD_CONTEXT = "mcpfed/1 index-record";
/** The canonical signed form of one record may not be larger. */
export const MAX_INDEX_RECORD_BYTES = 8 * 1024;
/** Longest lifetime a record may claim: the origin republishes well before. */
export const MAX_INDEX_TTL_SECONDS = 24 * 3600;
export const MAX_RECORD_TOOLS = 16;
export const MAX_RECORD_AGENTS = 16;
/**
 * The card feature of nodes that take `tag:` keys and `agents` (a node without it refuses them as
 * malformed): pending by default (§20.5), and used only with holders that advertise it.
 */
export const INDEX_AGENTS_FEATURE = "index-agents";

const KEYWORD = "[a-z0-9]{2,32}";
/**
 * `kw:<keyword>` (a lowercased word of a tool's name, description or tags), `fp:sha256:<hex>` (a
 * tool fingerprint), `node:<node id>` or `tag:<capability tag>` (an agent's, exact): what an asker
 * names, and what placement hashes.
 */
export const indexKey = z
  .string()
  .max(200)
  .regex(
    new RegExp(`^(kw:${KEYWORD}|fp:sha256:[0-9a-f]{64}|node:[A-Za-z0-9][A-Za-z0-9._:-]{0,127}|tag:[a-z0-9][a-z0-9._:-]{0,63})$`),
    "kw:<word>, fp:sha256:<hex>, node:<id> or tag:<capability tag>",
  );
export type IndexKey = z.infer<typeof indexKey>;

/** One tool the origin provides under the key: enough to rank it and to call it by its global id. */
export const indexedTool = z.strictObject({
  /** `<upstream>/<tool>`, the registry entry's key: the global id is `<origin>/<key>`. */
  key: z.string().min(3).max(200),
  name: z.string().min(1).max(128),
  description: z.string().max(512).optional(),
  fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type IndexedTool = z.infer<typeof indexedTool>;

/** One live public agent of the origin with the key's capability tag (§17.2): enough to rank and reach it. */
export const indexedAgent = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  name: agentName,
  tags: z.array(capabilityTag).min(1).max(MAX_TAGS),
  trust: z.number().int().min(0).max(100),
  endpoint: z.string().max(2048).regex(/^https:\/\//, "an https URL").nullable(),
});
export type IndexedAgent = z.infer<typeof indexedAgent>;

const httpUrl = z.url({ protocol: /^https?$/ }).max(2048);

const fields = {
  v: z.literal(INDEX_RECORD_VERSION),
  origin: nodeId,
  key: indexKey,
  /** Where the origin serves its card (`/.well-known/mcpfed`): how a node that never met it reaches it. */
  url: httpUrl,
  /** Milliseconds since the epoch when signed: a newer record of the same origin and key replaces an older one. */
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Unix seconds after which no one keeps or answers it. */
  exp: z.number().int().min(0),
  tools: z.array(indexedTool).max(MAX_RECORD_TOOLS),
  /** Under `tag:` keys only; absent elsewhere. */
  agents: z.array(indexedAgent).min(1).max(MAX_RECORD_AGENTS).optional(),
};
/** A `tag:` record lists agents that carry the tag and no tools; every other record lists no agents. */
function agentsMatchKey(r: { key: string; tools: unknown[]; agents?: IndexedAgent[] | undefined }, ctx: z.RefinementCtx): void {
  if (!r.key.startsWith("tag:")) {
    if (r.agents !== undefined) ctx.addIssue({ code: "custom", path: ["agents"], message: "agents only under a tag: key" });
    return;
  }
  const tag = r.key.slice(4);
  if (r.tools.length > 0) ctx.addIssue({ code: "custom", path: ["tools"], message: "no tools under a tag: key" });
  if (!r.agents) ctx.addIssue({ code: "custom", path: ["agents"], message: "a tag: key lists agents" });
  else if (r.agents.some((a) => !a.tags.includes(tag))) ctx.addIssue({ code: "custom", path: ["agents"], message: `every agent carries the tag ${tag}` });
}

export const unsignedIndexRecord = z.strictObject(fields).superRefine(agentsMatchKey);
export type UnsignedIndexRecord = z.infer<typeof unsignedIndexRecord>;
export const indexRecord = z.strictObject({ ...fields, sig: z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/, "base64url") }).superRefine(agentsMatchKey);
export type IndexRecord = z.infer<typeof indexRecord>;

export function indexRecordBytes(r: UnsignedIndexRecord | IndexRecord): Uint8Array {
  const { sig: _sig, ...unsigned } = r as IndexRecord;
  return new TextEncoder().encode(canonicalJson(unsigned));
}

export async function signIndexRecord(u: UnsignedIndexRecord, signer: EntrySigner): Promise<IndexRecord> {
  if (u.origin !== signer.nodeId) throw new Error(`cannot sign for ${u.origin} as ${signer.nodeId}`);
  const sig = toBase64url(await signer.sign(indexRecordBytes(u), INDEX_RECORD_CONTEXT));
  return indexRecord.parse({ ...u, sig });
}

export type IndexRecordProblem = "malformed" | "too_large" | "expired" | "too_long" | "bad_signature";

/** Why a record a node was handed must not be trusted, or undefined; `now` in unix seconds. Signature last. */
export async function checkIndexRecord(raw: unknown, key: OriginKey | undefined, now: number, skew = 60): Promise<{ record: IndexRecord } | { problem: IndexRecordProblem | "unknown_origin" }> {
  const parsed = indexRecord.safeParse(raw);
  if (!parsed.success) return { problem: "malformed" };
  const r = parsed.data;
  if (new TextEncoder().encode(canonicalJson(r)).length > MAX_INDEX_RECORD_BYTES) return { problem: "too_large" };
  if (r.exp <= now) return { problem: "expired" };
  if (r.exp > now + MAX_INDEX_TTL_SECONDS + skew) return { problem: "too_long" };
  if (!key) return { problem: "unknown_origin" };
  try {
    if (!(await key.verify(indexRecordBytes(r), fromBase64url(r.sig), INDEX_RECORD_CONTEXT))) return { problem: "bad_signature" };
  } catch {
    return { problem: "bad_signature" };
  }
  return { record: r };
}

/** The keywords a tool is indexed under: lowercased words of its name, description and tags, at most `max`. */
export function keywordsOf(texts: string[], max = 16): string[] {
  const out = new Set<string>();
  for (const t of texts) {
    for (const w of t.toLowerCase().split(/[^a-z0-9]+/)) {
      if (w.length >= 2 && w.length <= 32 && !STOP_WORDS.has(w)) out.add(w);
      if (out.size >= max) return [...out];
    }
  }
  return [...out];
}

// Words that name nothing a searcher would look for: every responsible node of "the" would hold everyone.
const STOP_WORDS = new Set(["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or", "the", "this", "to", "with", "that", "its", "into", "any", "all"]);
