// Vectors for the agent, intent and offer entry kinds (test/vectors/registry/agents.json,
// protocol §17.2–17.3): a live entry of each kind (an agent with several capability descriptors
// among them) and a tombstone, signed by an Ed25519 test
// signer from a fixed seed, with every derived form and the agent id; entries admission refuses,
// each with its reason and detail; an agent entry claiming another origin, which admits as
// well-shaped and fails its signature. Run by scripts/vectors.ts; checked by
// test/protocol/agent-entries.test.ts.
import type { UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { agentId } from "../../src/protocol/registry/agent-entries.ts";
import { ed25519TestSigner, TestKeyring } from "../../test/support/ed25519.ts";
import { counting, write } from "./common.ts";
import { admissionAt, badSignatureVerdict, refusedEntryVectors, signedEntryVector, type SignedEntryVector } from "./entry-kinds.ts";

const node = await ed25519TestSigner(counting(0x11));
const other = await ed25519TestSigner(counting(0x51));
const origin = node.signer.nodeId;

/** 2026-01-01T00:00:00Z: the HLC's wall time, and the clock admission runs at. */
const SIGNED_MS = 1_767_225_600_000;
const hlc = encodeHlc({ wall: SIGNED_MS, counter: 0 });
const HOUR = 3_600_000;
const id = agentId(origin, "translator");
const intentKey = `intent/${"3c".repeat(16)}`;

const base = { origin, hlc, tombstone: false as const };
const agentBody = {
  name: "translator",
  capabilities: { tags: ["translate", "lang:de"], descriptors: [{ name: "translate", version: "1.2", inputs: { type: "object", properties: { text: { type: "string" } } } }] },
  endpoint: "https://agents.example.org/translator/mcp",
  key: { alg: "ed25519", key: "11".repeat(16) },
  trust: 80,
  leaseUntil: SIGNED_MS + 60_000,
};
const valid: Record<string, UnsignedEntry> = {
  agent: { ...base, kind: "agent", key: `agent/${id}`, visibility: "peers", body: agentBody } as UnsignedEntry,
  "agent reached through its node": { ...base, kind: "agent", key: `agent/${agentId(origin, "summarizer")}`, visibility: "public", body: { name: "summarizer", capabilities: { tags: ["summarize"], descriptors: [] }, endpoint: null, trust: 0, leaseUntil: SIGNED_MS + 86_400_000 } } as UnsignedEntry,
  intent: { ...base, kind: "intent", key: intentKey, visibility: "peers", body: { need: "translate 40 pages EN→DE by Friday", capabilities: ["translate", "lang:de"], budget: { amount: 200, unit: "credit" }, deadline: SIGNED_MS + 72 * HOUR, expires: SIGNED_MS + 24 * HOUR } } as UnsignedEntry,
  // Capability descriptors: several, with outputs, without a version; inputs and outputs are opaque JSON Schema objects.
  "agent with several capability descriptors": { ...base, kind: "agent", key: `agent/${agentId(origin, "converter")}`, visibility: "peers", body: { name: "converter", capabilities: { tags: ["convert"], descriptors: [
    { name: "pdf/to-text", outputs: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } },
    { name: "units.convert", version: "2", inputs: { type: "object", properties: { from: { type: "string" }, to: { type: "string" } } }, outputs: { type: "number" } },
  ] }, endpoint: null, trust: 60, leaseUntil: SIGNED_MS + HOUR } } as UnsignedEntry,
  "agent tombstone": { origin, kind: "agent", key: `agent/${id}`, visibility: "peers", hlc: encodeHlc({ wall: SIGNED_MS, counter: 1 }), tombstone: true } as UnsignedEntry,
};

const keyring = new TestKeyring().add(node, other);
const rules = admissionAt(SIGNED_MS);
const entries: SignedEntryVector[] = [];
const add = async (name: string, u: UnsignedEntry) => entries.push(await signedEntryVector("agent", name, u, { signer: node.signer, rules, keyring }));
for (const [name, u] of Object.entries(valid)) await add(name, u);
// An offer names its intent's entry id, known once the intent is signed.
const intentId = entries.find((e) => e.name === "intent")!.id;
valid.offer = { ...base, kind: "offer", key: `offer/${intentId}`, visibility: "peers", body: { intent: intentId, terms: { model: "subscription", amount: 150, unit: "credit", periodSeconds: 86_400 }, expires: SIGNED_MS + 12 * HOUR, agent: id } } as UnsignedEntry;
await add("offer", valid.offer);

const live = (name: string) => valid[name] as Extract<UnsignedEntry, { tombstone: false }> & { body: Record<string, unknown> };
const withBody = (name: string, change: Record<string, unknown>, entry: Record<string, unknown> = {}) => ({ ...live(name), ...entry, body: { ...live(name).body, ...change } });
const refusedUnsigned: Record<string, Record<string, unknown>> = {
  "an agent keyed as another node's agent of that name": { ...live("agent"), key: `agent/${agentId(other.signer.nodeId, "translator")}` },
  "an agent keyed as another of its node's agents": { ...live("agent"), key: `agent/${agentId(origin, "other")}` },
  "an agent whose lease ended when it was signed": withBody("agent", { leaseUntil: SIGNED_MS }),
  "an agent lease over a day": withBody("agent", { leaseUntil: SIGNED_MS + 86_400_001 }),
  "an agent trust of 101": withBody("agent", { trust: 101 }),
  "an agent endpoint over plain http": withBody("agent", { endpoint: "http://agents.example.org/mcp" }),
  "an agent tag in capitals": withBody("agent", { capabilities: { tags: ["Translate"], descriptors: [] } }),
  "an agent tag twice": withBody("agent", { capabilities: { tags: ["translate", "translate"], descriptors: [] } }),
  "a capability descriptor name with a space": withBody("agent", { capabilities: { tags: [], descriptors: [{ name: "translate text" }] } }),
  "a capability descriptor name starting with a dot": withBody("agent", { capabilities: { tags: [], descriptors: [{ name: ".hidden" }] } }),
  "33 capability descriptors": withBody("agent", { capabilities: { tags: [], descriptors: Array.from({ length: 33 }, (_, i) => ({ name: `d${i}` })) } }),
  "a capability descriptor field it does not have": withBody("agent", { capabilities: { tags: [], descriptors: [{ name: "translate", price: 3 }] } }),
  "a capability descriptor's inputs that are not an object": withBody("agent", { capabilities: { tags: [], descriptors: [{ name: "translate", inputs: "text" }] } }),
  "a capability descriptor version over 64 characters": withBody("agent", { capabilities: { tags: [], descriptors: [{ name: "translate", version: "1".repeat(65) }] } }),
  "capabilities without descriptors": withBody("agent", { capabilities: { tags: ["translate"] } }),
  "an agent key of an unknown algorithm": withBody("agent", { key: { alg: "rsa", key: "AAAA" } }),
  "an intent need over 2 KiB": withBody("intent", { need: "é".repeat(1025) }),
  "an intent need with a control character": withBody("intent", { need: "fine\u001b[2J" }),
  "an intent expiring more than 30 days after its HLC": withBody("intent", { expires: SIGNED_MS + 30 * 86_400_000 + 1, deadline: SIGNED_MS + 31 * 86_400_000 }),
  "an intent whose deadline comes before it expires": withBody("intent", { deadline: SIGNED_MS + HOUR }),
  "an intent key that is not 32 hex": { ...live("intent"), key: "intent/xyz" },
  "an offer keyed to another intent": { ...live("offer"), key: `offer/${"0".repeat(64)}` },
  "an offer priced per call": withBody("offer", { terms: { model: "per_call", amount: 1, unit: "credit", periodSeconds: 60 } }),
  "an offer that expired when it was signed": withBody("offer", { expires: SIGNED_MS }),
  "a field the kind does not have": withBody("agent", { note: "extra" }),
  "an agent tombstone with a body": { ...valid["agent tombstone"]!, body: agentBody },
};
const refused = await refusedEntryVectors("agent", refusedUnsigned, rules);

// Claims the other node as origin, signed by this one: only the signature tells.
const claimed = { ...(entries[0]!.signed as Record<string, unknown>), origin: other.signer.nodeId, key: `agent/${agentId(other.signer.nodeId, "translator")}` };
const claimedVerdict = await badSignatureVerdict("the claimed agent", claimed, rules, keyring);

write("registry/agents.json", {
  about: "Agent, intent and offer entries (docs/protocol.md §17.2, §17.3), signed with the Ed25519 test signer over context ‖ 0x00 ‖ JCS(entry without sig). Agent id = hex SHA-256(UTF-8(node id) ‖ 0x00 ‖ UTF-8(name)). Admission runs with its clock at the entries' HLC wall time.",
  context: "mcpfed/1 registry-entry",
  clockMs: SIGNED_MS,
  signers: { origin: { publicKey: node.publicKey, nodeId: origin }, other: { publicKey: other.publicKey, nodeId: other.signer.nodeId } },
  agentIds: [{ node: origin, name: "translator", id }],
  entries,
  refused,
  claimed: { name: "an agent entry naming another node as origin, signed by this one", entry: claimed, verdict: claimedVerdict },
});
