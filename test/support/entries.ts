// Signed registry entries made to order, for tests that need particular HLCs, slots and sizes.
import { createHash } from "node:crypto";
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import type { Entry, SignedEntry, UnsignedEntry, Visibility } from "../../src/protocol/registry/entry.ts";
import type { ShareInput } from "../../src/node/registry/registry.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import type { TestIdentity } from "./ed25519.ts";

export interface EntrySpec {
  key?: string;
  visibility?: Visibility;
  /** Wall ms and counter of the HLC. */
  wall?: number;
  counter?: number;
  tombstone?: boolean;
  version?: string;
  description?: string;
}

export async function unsignedFor(origin: string, spec: EntrySpec = {}): Promise<UnsignedEntry> {
  const key = spec.key ?? "demo/echo";
  const common = {
    origin,
    kind: "tool" as const,
    key,
    visibility: spec.visibility ?? "public",
    hlc: encodeHlc({ wall: spec.wall ?? 1_732_000_000_000, counter: spec.counter ?? 0 }),
  };
  if (spec.tombstone) return { ...common, tombstone: true };
  const name = key.slice(key.indexOf("/") + 1).split("@")[0]!;
  const tool = { name, description: spec.description ?? `${name} tool`, inputSchema: { type: "object" as const } };
  return {
    ...common,
    tombstone: false,
    body: { version: spec.version ?? "1.0.0", tool, fingerprint: await toolFingerprint(tool), tags: [], pricing: null },
  };
}

export async function entryFor(identity: TestIdentity, spec: EntrySpec = {}): Promise<Entry> {
  return signEntry(await unsignedFor(identity.signer.nodeId, spec), identity.signer);
}

/** A small tool to share, distinct per name and version. */
export function sampleTool(name: string, version = "1.0.0", visibility: ShareInput["visibility"] = "public", upstream = "demo"): ShareInput {
  return {
    key: `${upstream}/${name}`,
    version,
    tool: {
      name,
      description: `${name} at ${version}`,
      inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    },
    tags: ["demo"],
    pricing: null,
    visibility,
  };
}

/**
 * The state hash every replica must reach, worked out from docs/protocol.md alone, without the
 * production conflict code or stores: slots are (origin, kind, key, visibility) (§7.3), an entry's
 * id is the hex SHA-256 of its JCS form (§7.1), and a slot keeps the entry that no other in it
 * beats: the higher hlc, on a tie the lower id. The state hash is SHA-256 over the kept ids,
 * sorted, one per line (EntryStore.stateHash). Quadratic, and meant to be obviously right.
 */
export function expectedStateHash(pool: Iterable<Entry>): string {
  const byId = new Map<string, SignedEntry>();
  for (const e of pool) byId.set(sha256(jcs(e.signed)), e.signed);
  const entries = [...byId];
  const slot = (s: SignedEntry) => [s.origin, s.kind, s.key, s.visibility].join("\u0000");
  const beats = ([id, s]: [string, SignedEntry], [otherId, other]: [string, SignedEntry]) => s.hlc > other.hlc || (s.hlc === other.hlc && id < otherId);
  const kept = entries.filter((e) => entries.every((other) => other[0] === e[0] || slot(other[1]) !== slot(e[1]) || beats(e, other)));
  return sha256(kept.map(([id]) => id).sort().join("\n"));
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** RFC 8785 for what entries hold (strings, integers, booleans, null, arrays, objects): keys in UTF-16 order. */
function jcs(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(jcs).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
