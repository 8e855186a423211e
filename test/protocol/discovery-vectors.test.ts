// The index vectors (test/vectors/discovery/index.json): on each crypto path every record reaches
// the stated verdict (signed ones valid; tampered, misattributed, expired, too long-lived and
// malformed ones refused with their reason); rendezvous owners and bucket indices recompute to the
// stated ones; the messages parse and the refused ones do not.
import { describe, expect, it } from "vitest";
import { checkIndexRecord } from "../../src/protocol/discovery/record.ts";
import { indexEntriesRequest, indexEntriesResult, indexLookupRequest, indexLookupResult, indexPublishRequest, indexPublishResult } from "../../src/protocol/discovery/messages.ts";
import { bucketOf, NodePositions, positionOf, rendezvousOwners } from "../../src/protocol/discovery/placement.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { PATHS, vector } from "./paths.ts";

interface Party {
  nodeId: string;
  publicKey: string;
}
interface Vectors {
  origin: Party;
  stranger: Party;
  records: { name: string; record: unknown; verifyAs: "origin" | "stranger"; now: number; verdict: string }[];
  placement: { ids: string[]; keys: { key: string; owners3: string[]; closest3: string[]; position: string }[]; buckets: { self: string; other: string; bucket: number } };
  messages: { name: string; schema: string; message: unknown }[];
  refused: { name: string; schema: string; message: unknown }[];
}

const v = vector<Vectors>("discovery/index.json");
const schemas = { indexPublishRequest, indexPublishResult, indexLookupRequest, indexLookupResult, indexEntriesRequest, indexEntriesResult };
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

describe.each(PATHS)("index record vectors (%s)", (_label, p) => {
  it.each(v.records.map((r) => [r.name, r] as const))("%s", async (_name, c) => {
    const key = await signingKey(p, v[c.verifyAs].publicKey);
    const checked = await checkIndexRecord(c.record, { verify: (m, s, ctx) => key.verify(s, m, ctx) }, c.now);
    expect("record" in checked ? "valid" : checked.problem).toBe(c.verdict);
  });
});

describe("index placement and message vectors", () => {
  it("recomputes rendezvous owners, XOR owners, positions and buckets", () => {
    const ids = v.placement.ids;
    for (const k of v.placement.keys) {
      expect(rendezvousOwners(k.key, v.placement.ids, 3)).toEqual(k.owners3);
      // XOR owners by the definition: every id's distance to the key, smallest first.
      const distance = (id: string) => Buffer.from(positionOf(id).map((b, i) => b ^ positionOf(k.key)[i]!)).toString("hex");
      expect([...ids].sort((a, b) => (distance(a) < distance(b) ? -1 : 1)).slice(0, 3)).toEqual(k.closest3);
      expect(new NodePositions(ids.map((id) => ({ id }))).closest(positionOf(k.key), 3).map((x) => x.id)).toEqual(k.closest3);
      expect(hex(positionOf(k.key))).toBe(k.position);
    }
    const [a, b] = v.placement.ids;
    expect(bucketOf(positionOf(a!), positionOf(b!))).toBe(v.placement.buckets.bucket);
  });

  it("parses the messages and refuses the refused ones", () => {
    for (const m of v.messages) expect(schemas[m.schema as keyof typeof schemas].safeParse(m.message).success, m.name).toBe(true);
    for (const m of v.refused) expect(schemas[m.schema as keyof typeof schemas].safeParse(m.message).success, m.name).toBe(false);
  });
});
