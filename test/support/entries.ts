// Signed registry entries made to order, for tests that need particular HLCs, slots and sizes.
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { beats, rankOf, slotOf } from "../../src/protocol/registry/conflict.ts";
import { MemoryEntryStore } from "../../src/store/memory-entries.ts";
import type { Entry, UnsignedEntry, Visibility } from "../../src/protocol/registry/entry.ts";
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

/** The state hash every replica must reach: the conflict rule applied to every entry ever made. */
export async function expectedStateHash(pool: Iterable<Entry>): Promise<string> {
  const winners = new Map<string, Entry>();
  for (const e of pool) {
    const held = winners.get(slotOf(e));
    if (!held || beats(rankOf(e), rankOf(held))) winners.set(slotOf(e), e);
  }
  const reference = new MemoryEntryStore();
  await reference.put([...winners.values()], null);
  return reference.stateHash();
}
