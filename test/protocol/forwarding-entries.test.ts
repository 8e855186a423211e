// The forwarder's claim (protocol §12.6.1): the vectors (test/vectors/registry/forwarding.json)
// checked against node:crypto and an independent JCS, the forged claim's signature refused,
// admission's refusal of each bad claim for its stated reason, and the body built from a peer list.
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import { byteLength, MAX_ENTRY_BYTES, signedEntry, toEntry, unsignedEntry } from "../../src/protocol/registry/entry.ts";
import { forwardingBodyOf, MAX_FORWARDING_DESTINATIONS } from "../../src/protocol/registry/forwarding-entries.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { COMPOSITE_SIGNATURE_BYTES } from "../../src/protocol/identity/composite.ts";
import { ENTRY_CONTEXT, verifyEntry } from "../../src/protocol/registry/signing.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/registry/forwarding.json", import.meta.url), "utf8"));
const rules = { maxEntryBytes: 64 * 1024, clock: new HybridClock(() => vectors.clockMs), isBlocked: () => false, checkCard: async () => "no cards here" };
const keys = Object.fromEntries(
  Object.values(vectors.signers as Record<string, { publicKey: string; nodeId: string }>).map((s) => [s.nodeId, createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: s.publicKey }, format: "jwk" })]),
);
const keyring = {
  keyOf: async (origin: string) => {
    const key = keys[origin];
    return key && { verify: async (m: Uint8Array, s: Uint8Array, context: string) => verify(null, Buffer.concat([Buffer.from(context), Buffer.from([0]), m]), key, s) };
  },
};

describe("forwarding entry vectors", () => {
  it("match canonical bytes, ids and signatures computed with node:crypto, and are admitted", async () => {
    expect(vectors.entries.map((v: { name: string }) => v.name)).toEqual(["a claim shown to the forwarder's peers", "the same claim made public", "a claim withdrawn"]);
    for (const v of vectors.entries) {
      expect(unsignedEntry.parse(v.unsigned), v.name).toEqual(v.unsigned);
      expect(canonicalize(v.unsigned)).toBe(v.signingBytes);
      expect(canonicalize(v.signed)).toBe(v.canonical);
      expect(createHash("sha256").update(v.canonical).digest("hex")).toBe(v.id);
      const framed = Buffer.concat([Buffer.from(ENTRY_CONTEXT), Buffer.from([0]), Buffer.from(v.signingBytes)]);
      expect(verify(null, framed, keys[v.signed.origin]!, Buffer.from(fromBase64url(v.signed.sig))), v.name).toBe(true);
      const screened = await screen(JSON.parse(v.canonical), rules);
      expect(isRejection(screened) ? screened.detail : "admitted", v.name).toBe("admitted");
      if (!isRejection(screened)) expect(await verifyEntry(screened, keyring)).toBe("valid");
    }
  });

  it("refuse the claim another node signed under the forwarder's id", async () => {
    const forged = await toEntry(signedEntry.parse(vectors.forged));
    expect(forged.signed.origin).toBe(vectors.signers.forwarder.nodeId);
    expect(await verifyEntry(forged, keyring)).toBe("bad_signature");
  });

  it("are refused by admission as malformed, each for its stated reason", async () => {
    expect(vectors.refused.length).toBe(9);
    for (const r of vectors.refused) {
      const screened = await screen(r.entry, rules);
      expect(isRejection(screened) && { reason: screened.reason, detail: screened.detail }, r.name).toEqual({ reason: r.reason, detail: r.detail });
    }
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
