// Vectors for the forwarder's claim (test/vectors/registry/forwarding.json, protocol §12.6.1): a
// live claim with peers-only visibility, a public one and a withdrawal, signed by an Ed25519 test
// signer from a fixed seed, each admitted and verified; a claim signed by another node; claims
// admission refuses as malformed, each with its reason. Run by scripts/vectors.ts; checked by
// test/protocol/forwarding-entries.test.ts.
import type { UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { FORWARDING_KEY, forwardingBodyOf, MAX_FORWARDING_DESTINATIONS } from "../../src/protocol/registry/forwarding-entries.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { signEntry, verifyEntry } from "../../src/protocol/registry/signing.ts";
import { ed25519TestSigner, TestKeyring } from "../../test/support/ed25519.ts";
import { agree, counting, write } from "./common.ts";
import { admissionAt, refusedEntryVectors, signedEntryVector, type SignedEntryVector } from "./entry-kinds.ts";

const forwarder = await ed25519TestSigner(counting(0x31));
const other = await ed25519TestSigner(counting(0x71));
const origin = forwarder.signer.nodeId;
const keyring = new TestKeyring().add(forwarder, other);

/** 2026-01-01T00:00:00Z. */
const SIGNED_MS = 1_767_225_600_000;
const hlc = (counter: number) => encodeHlc({ wall: SIGNED_MS, counter });
const peers = [other.signer.nodeId, "node-c-7d41", "node-b-19aa"];
const body = forwardingBodyOf(origin, [...peers, origin, "node-b-19aa"]);
agree("the body is sorted, each id once, without the forwarder", JSON.stringify(["node-b-19aa", "node-c-7d41", other.signer.nodeId].sort()), JSON.stringify(body.destinations));

const base = { origin, kind: "forwarding" as const, key: FORWARDING_KEY };
const valid: Record<string, UnsignedEntry> = {
  "a claim shown to the forwarder's peers": { ...base, visibility: "peers", hlc: hlc(0), tombstone: false, body },
  "the same claim made public": { ...base, visibility: "public", hlc: hlc(1), tombstone: false, body },
  "a claim withdrawn": { ...base, visibility: "peers", hlc: hlc(2), tombstone: true },
};

const rules = admissionAt(SIGNED_MS);
const entries: SignedEntryVector[] = [];
for (const [name, u] of Object.entries(valid)) entries.push(await signedEntryVector("forwarding", name, u, { signer: forwarder.signer, rules, keyring }));

// Another node signs a claim under the forwarder's id: it parses, and its signature fails.
const forged = await signEntry({ ...valid["a claim shown to the forwarder's peers"]!, body: { v: 1, destinations: ["node-z-0000"] } } as UnsignedEntry, { ...other.signer, nodeId: origin });
agree("a claim signed by another node", "bad_signature", await verifyEntry(forged, keyring));

const live = valid["a claim shown to the forwarder's peers"] as Extract<UnsignedEntry, { kind: "forwarding"; tombstone: false }>;
const withBody = (change: Record<string, unknown>) => ({ ...live, body: { ...live.body, ...change } });
const many = Array.from({ length: MAX_FORWARDING_DESTINATIONS + 1 }, (_, i) => `node-${String(i).padStart(4, "0")}`);
const refusedUnsigned: Record<string, Record<string, unknown>> = {
  "the forwarder itself among the destinations": withBody({ destinations: [...body.destinations, origin].sort() }),
  "destinations out of order": withBody({ destinations: [...body.destinations].reverse() }),
  "a destination named twice": withBody({ destinations: ["node-b-19aa", "node-b-19aa"] }),
  "a destination that is not a node id": withBody({ destinations: ["node/with/slashes"] }),
  [`${MAX_FORWARDING_DESTINATIONS + 1} destinations`]: withBody({ destinations: many }),
  "version 2": withBody({ v: 2 }),
  "a field the kind does not have": withBody({ fee: { amount: 1, unit: "credits" } }),
  "another key than forwarding": { ...live, key: "forward" },
  "a tombstone with a body": { ...(valid["a claim withdrawn"] as Record<string, unknown>), body },
};
const refused = await refusedEntryVectors("forwarding", refusedUnsigned, rules);

write("registry/forwarding.json", {
  about:
    "Forwarding entries (docs/protocol.md §12.6.1): a forwarder's claim of the nodes it forwards to, signed with the Ed25519 test signer over context ‖ 0x00 ‖ JCS(entry without sig), context 'mcpfed/1 registry-entry'. `forged` is signed by `other` under the forwarder's id and must fail verification; each of `refused` must fail admission as malformed with the detail given.",
  context: "mcpfed/1 registry-entry",
  clockMs: SIGNED_MS,
  signers: { forwarder: { publicKey: forwarder.publicKey, nodeId: origin }, other: { publicKey: other.publicKey, nodeId: other.signer.nodeId } },
  input: { self: origin, peers: [...peers, origin, "node-b-19aa"], body },
  entries,
  forged: forged.signed,
  refused,
});
