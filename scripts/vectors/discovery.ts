// Index vectors (docs/protocol.md §20): records signed by their origin (a keyword, a fingerprint,
// a node key and an agent's capability tag), each with the verdict a holder or an asker must reach, for tampered, expired,
// too long-lived and misattributed copies too; rendezvous owners of fixed keys over fixed ids; the
// index-publish, index-lookup and index-entries messages as sent, and messages refused at their schema.
import { checkIndexRecord, signIndexRecord, type IndexRecord, type UnsignedIndexRecord } from "../../src/protocol/discovery/record.ts";
import { indexEntriesRequest, indexEntriesResult, indexLookupRequest, indexLookupResult, indexPublishRequest, indexPublishResult } from "../../src/protocol/discovery/messages.ts";
import { bucketOf, NodePositions, positionOf, rendezvousOwners } from "../../src/protocol/discovery/placement.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { agree, b64, flipped, hex, p, write } from "./common.ts";

interface Party {
  seed: Uint8Array;
  key: SigningKey;
}

const NOW = 1_767_225_600;

export async function discoveryVectors(o: { origin: Party; stranger: Party }): Promise<void> {
  const origin = o.origin.key.nodeId;
  const signer = { nodeId: origin, sign: (m: Uint8Array, c: string) => o.origin.key.signer.sign(m, c) };
  const tool = { key: "archive/search", name: "search", description: "Finds documents in the archive.", fingerprint: `sha256:${"ab".repeat(32)}` };
  const base = { v: 1 as const, origin, url: "https://origin.example", seq: NOW * 1000, exp: NOW + 6 * 3600, tools: [tool] };
  const unsigned: UnsignedIndexRecord[] = [
    { ...base, key: "kw:archive" },
    { ...base, key: `fp:${tool.fingerprint}` },
    { ...base, key: `node:${origin}` },
  ];
  const agent = { id: "cd".repeat(32), name: "translator", tags: ["translate", "lang:de"], trust: 50, endpoint: null };
  unsigned.push({ ...base, key: "tag:lang:de", tools: [], agents: [agent] });
  const records: IndexRecord[] = [];
  for (const u of unsigned) records.push(await signIndexRecord(u, signer));
  const tagged = records[3]!;

  const originKey = await signingKey(p, b64(o.origin.key.signer.publicKey));
  const strangerKey = await signingKey(p, b64(o.stranger.key.signer.publicKey));
  const asKey = (k: typeof originKey) => ({ verify: (m: Uint8Array, s: Uint8Array, c: string) => k.verify(s, m, c) });
  const verdict = async (raw: unknown, by: "origin" | "stranger" = "origin", now = NOW) => {
    const r = await checkIndexRecord(raw, asKey(by === "origin" ? originKey : strangerKey), now);
    return "record" in r ? "valid" : r.problem;
  };
  const r0 = records[0]!;
  const cases = [
    ...records.map((r) => ({ name: `signed ${r.key.split(":")[0]} record`, record: r, verifyAs: "origin", now: NOW, verdict: "valid" })),
    { name: "signature bit flipped", record: { ...r0, sig: flipped(r0.sig) }, verifyAs: "origin", now: NOW, verdict: "bad_signature" },
    { name: "tools changed after signing (hidden tool)", record: { ...r0, tools: [] }, verifyAs: "origin", now: NOW, verdict: "bad_signature" },
    { name: "url changed after signing", record: { ...r0, url: "https://attacker.example" }, verifyAs: "origin", now: NOW, verdict: "bad_signature" },
    { name: "checked against another node's key", record: r0, verifyAs: "stranger", now: NOW, verdict: "bad_signature" },
    { name: "past its expiry", record: r0, verifyAs: "origin", now: r0.exp, verdict: "expired" },
    { name: "lives longer than a day", record: await signIndexRecord({ ...unsigned[0]!, exp: NOW + 2 * 86_400 }, signer), verifyAs: "origin", now: NOW, verdict: "too_long" },
    { name: "a key outside the grammar", record: { ...r0, key: "kw:Has Space" }, verifyAs: "origin", now: NOW, verdict: "malformed" },
    { name: "an unknown field", record: { ...r0, extra: 1 }, verifyAs: "origin", now: NOW, verdict: "malformed" },
    { name: "17 tools", record: { ...r0, tools: Array.from({ length: 17 }, () => tool) }, verifyAs: "origin", now: NOW, verdict: "malformed" },
    { name: "an agent without the key's tag", record: { ...tagged, agents: [{ ...agent, tags: ["translate"] }] }, verifyAs: "origin", now: NOW, verdict: "malformed" },
    { name: "agents under a kw: key", record: { ...r0, agents: [agent] }, verifyAs: "origin", now: NOW, verdict: "malformed" },
    { name: "tools under a tag: key", record: { ...tagged, tools: [tool] }, verifyAs: "origin", now: NOW, verdict: "malformed" },
    { name: "a tag: key listing no agents", record: { ...tagged, agents: undefined }, verifyAs: "origin", now: NOW, verdict: "malformed" },
  ];
  for (const c of cases) agree(c.name, c.verdict, await verdict(c.record, c.verifyAs as "origin" | "stranger", c.now));

  const ids = Array.from({ length: 12 }, (_, i) => `node${String(i).padStart(2, "0")}abcdefghijklmnopqrstu`);
  const directory = new NodePositions(ids.map((id) => ({ id })));
  const closest = (key: string, n: number) => directory.closest(positionOf(key), n).map((x) => x.id);
  // owners3: rendezvous (nodes without index-xor); closest3: XOR (with it), closest first.
  const placement = ["kw:archive", "kw:weather", `node:${origin}`].map((key) => ({ key, owners3: rendezvousOwners(key, ids, 3), closest3: closest(key, 3), position: hex(positionOf(key)) }));
  agree("owners are a prefix of a longer list", placement[0]!.owners3, rendezvousOwners("kw:archive", ids, 5).slice(0, 3));
  agree("the closest are a prefix of a longer list", placement[0]!.closest3, closest("kw:archive", 5).slice(0, 3));
  const buckets = { self: hex(positionOf(ids[0]!)), other: hex(positionOf(ids[1]!)), bucket: bucketOf(positionOf(ids[0]!), positionOf(ids[1]!)) };

  const messages = [
    { name: "index-publish request", schema: "indexPublishRequest", message: { type: "index-publish", records } },
    { name: "index-publish answer", schema: "indexPublishResult", message: { type: "index-publish", stored: 2, refused: [{ index: 2, reason: "not_responsible" }] } },
    { name: "index-lookup request", schema: "indexLookupRequest", message: { type: "index-lookup", keys: ["kw:archive", `fp:${tool.fingerprint}`] } },
    { name: "index-lookup request for closer nodes", schema: "indexLookupRequest", message: { type: "index-lookup", keys: ["kw:archive"], closer: true } },
    { name: "index-lookup answer", schema: "indexLookupResult", message: { type: "index-lookup", records: [r0], closer: [{ id: ids[0], url: "https://n0.example" }] } },
    { name: "index-entries request", schema: "indexEntriesRequest", message: { type: "index-entries", keys: [tool.key, "archive/fetch@v2"] } },
    { name: "index-entries answer (none shared public)", schema: "indexEntriesResult", message: { type: "index-entries", entries: [] } },
  ];
  const refused = [
    { name: "publish with no record", schema: "indexPublishRequest", message: { type: "index-publish", records: [] } },
    { name: "publish of 65 records", schema: "indexPublishRequest", message: { type: "index-publish", records: Array.from({ length: 65 }, () => r0) } },
    { name: "lookup of 9 keys", schema: "indexLookupRequest", message: { type: "index-lookup", keys: Array.from({ length: 9 }, (_, i) => `kw:w${i}`) } },
    { name: "lookup of a key outside the grammar", schema: "indexLookupRequest", message: { type: "index-lookup", keys: ["tool:archive"] } },
    { name: "closer: false (only true or absent)", schema: "indexLookupRequest", message: { type: "index-lookup", keys: ["kw:archive"], closer: false } },
    { name: "an unknown refusal reason", schema: "indexPublishResult", message: { type: "index-publish", stored: 0, refused: [{ index: 0, reason: "because" }] } },
    { name: "entries of no key", schema: "indexEntriesRequest", message: { type: "index-entries", keys: [] } },
    { name: "entries of 9 keys", schema: "indexEntriesRequest", message: { type: "index-entries", keys: Array.from({ length: 9 }, (_, i) => `archive/t${i}`) } },
    { name: "entries of an index key, not an entry key", schema: "indexEntriesRequest", message: { type: "index-entries", keys: ["kw:archive"] } },
    { name: "9 entries answered", schema: "indexEntriesResult", message: { type: "index-entries", entries: Array.from({ length: 9 }, () => ({})) } },
    { name: "21 closer nodes", schema: "indexLookupResult", message: { type: "index-lookup", records: [], closer: Array.from({ length: 21 }, () => ({ id: ids[0], url: "https://n0.example" })) } },
  ];
  const schemas = { indexPublishRequest, indexPublishResult, indexLookupRequest, indexLookupResult, indexEntriesRequest, indexEntriesResult };
  for (const m of messages) agree(m.name, true, schemas[m.schema as keyof typeof schemas].safeParse(m.message).success);
  for (const m of refused) agree(m.name, false, schemas[m.schema as keyof typeof schemas].safeParse(m.message).success);

  write("discovery/index.json", {
    origin: { seed: b64(o.origin.seed), nodeId: origin, publicKey: b64(o.origin.key.signer.publicKey) },
    stranger: { seed: b64(o.stranger.seed), nodeId: o.stranger.key.nodeId, publicKey: b64(o.stranger.key.signer.publicKey) },
    records: cases,
    placement: { ids, keys: placement, buckets },
    messages,
    refused,
  });
}
