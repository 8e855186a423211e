// The forwarder's claim (protocol §12.6.1): the vectors (test/vectors/registry/forwarding.json)
// checked against node:crypto and an independent JCS, the forged claim's signature refused,
// admission's refusal of each bad claim for its stated reason, and the body built from a peer list.
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import { byteLength, MAX_ENTRY_BYTES, signedEntry, toEntry } from "../../src/protocol/registry/entry.ts";
import { forwardingBodyOf, MAX_FORWARDING_DESTINATIONS } from "../../src/protocol/registry/forwarding-entries.ts";
import { COMPOSITE_SIGNATURE_BYTES } from "../../src/protocol/identity/composite.ts";
import { verifyEntry } from "../../src/protocol/registry/signing.ts";
import { entryKindVectors, expectRefusedEntries, expectSignedEntries } from "../support/entry-kind-vectors.ts";

const kind = entryKindVectors("registry/forwarding.json");
const { vectors, rules, keyring } = kind;

describe("forwarding entry vectors", () => {
  it("match canonical bytes, ids and signatures computed with node:crypto, and are admitted", async () => {
    expect(vectors.entries.map((v: { name: string }) => v.name)).toEqual(["a claim shown to the forwarder's peers", "the same claim made public", "a claim withdrawn"]);
    await expectSignedEntries(kind);
  });

  it("refuse the claim another node signed under the forwarder's id", async () => {
    const forged = await toEntry(signedEntry.parse(vectors.forged));
    expect(forged.signed.origin).toBe(vectors.signers.forwarder.nodeId);
    expect(await verifyEntry(forged, keyring)).toBe("bad_signature");
  });

  it("are refused by admission as malformed, each for its stated reason", async () => {
    expect(vectors.refused.length).toBe(9);
    await expectRefusedEntries(kind);
  });
});

describe("the claim's body", () => {
  it("is the peers in ascending order, each once, without the forwarder: the vector's input gives its body", () => {
    expect(forwardingBodyOf(vectors.input.self, vectors.input.peers)).toEqual(vectors.input.body);
  });

  it("keeps the first ids in order when there are more peers than an entry names", () => {
    const ids = Array.from({ length: MAX_FORWARDING_DESTINATIONS + 5 }, (_, i) => `node-${String(i).padStart(4, "0")}`).reverse();
    const body = forwardingBodyOf("self", ids);
    expect(body.destinations).toHaveLength(MAX_FORWARDING_DESTINATIONS);
    expect(body.destinations[0]).toBe("node-0000");
    expect(body.destinations.at(-1)).toBe(`node-${String(MAX_FORWARDING_DESTINATIONS - 1).padStart(4, "0")}`);
  });

  it("at its fullest, ids of the longest kind and a composite signature, fits the entry bound and is admitted", async () => {
    const ids = Array.from({ length: MAX_FORWARDING_DESTINATIONS }, (_, i) => `n${String(i).padStart(4, "0")}`.padEnd(128, "x"));
    const live = vectors.entries[0].signed;
    const sig = "A".repeat(Math.ceil((COMPOSITE_SIGNATURE_BYTES * 4) / 3));
    const entry = { ...live, body: forwardingBodyOf(live.origin, ids), sig };
    expect(byteLength(canonicalize(entry)!)).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(isRejection(await screen(entry, rules))).toBe(false);
  });
});
