import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { beats } from "../../src/protocol/registry/conflict.ts";
import { signedEntry, toEntry, toolOfKey, unsignedEntry, type SignedEntry, type UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { ENTRY_CONTEXT, signEntry, verifyEntry } from "../../src/protocol/registry/signing.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/registry/entries.json", import.meta.url), "utf8"));
const conflictVectors = JSON.parse(readFileSync(new URL("../vectors/registry/conflicts.json", import.meta.url), "utf8"));

async function liveEntry(origin: string, over: Partial<UnsignedEntry> = {}): Promise<UnsignedEntry> {
  const tool = { name: "echo", description: "Echoes", inputSchema: { type: "object" as const } };
  return {
    origin,
    kind: "tool",
    key: "demo/echo",
    visibility: "public",
    hlc: "01934df93d7b0000",
    tombstone: false,
    body: { version: "1.0.0", tool, fingerprint: await toolFingerprint(tool), tags: [], pricing: null },
    ...over,
  } as UnsignedEntry;
}

describe("registry entry", () => {
  it("is signed over its canonical form without sig, and named by the SHA-256 of the signed form", async () => {
    const me = await ed25519TestSigner();
    const entry = await signEntry(await liveEntry(me.signer.nodeId), me.signer);
    expect(entry.canonical).toBe(canonicalize(entry.signed));
    expect(entry.id).toBe(createHash("sha256").update(entry.canonical).digest("hex"));
    expect(await verifyEntry(entry, new TestKeyring().add(me))).toBe("valid");
    // Key order does not matter: the canonical form sorts it.
    const reordered = Object.fromEntries(Object.entries(entry.signed).reverse()) as SignedEntry;
    expect((await toEntry(reordered)).id).toBe(entry.id);
  });

  it("does not verify once any field changes, under another key, or for an unknown origin", async () => {
    const me = await ed25519TestSigner();
    const other = await ed25519TestSigner();
    const keyring = new TestKeyring().add(me, other);
    const entry = await signEntry(await liveEntry(me.signer.nodeId), me.signer);
    const tampered = structuredClone(entry.signed) as Extract<SignedEntry, { kind: "tool"; tombstone: false }>;
    tampered.body.tags = ["free"];
    expect(await verifyEntry(await toEntry(tampered), keyring)).toBe("bad_signature");
    const later = { ...entry.signed, hlc: "01934df93d7b0001" };
    expect(await verifyEntry(await toEntry(later), keyring)).toBe("bad_signature");
    const forged = await signEntry(await liveEntry(other.signer.nodeId), other.signer);
    const claimed = { ...forged.signed, origin: me.signer.nodeId };
    expect(await verifyEntry(await toEntry(claimed), keyring)).toBe("bad_signature");
    const garbage = { ...entry.signed, sig: "AAAA" };
    expect(await verifyEntry(await toEntry(garbage), keyring)).toBe("bad_signature");
    expect(await verifyEntry(entry, new TestKeyring().add(other))).toBe("unknown_origin");
  });

  it("refuses to sign for another origin", async () => {
    const me = await ed25519TestSigner();
    await expect(signEntry(await liveEntry("someone-else"), me.signer)).rejects.toThrow(/cannot sign/);
  });

  it("is strict about its shape", async () => {
    const e = await liveEntry("n1");
    expect(unsignedEntry.safeParse(e).success).toBe(true);
    expect(unsignedEntry.safeParse({ ...e, extra: 1 }).success).toBe(false);
    expect(unsignedEntry.safeParse({ ...e, key: "demo/other" }).success).toBe(false);
    expect(unsignedEntry.safeParse({ ...e, key: "Demo/echo" }).success).toBe(false);
    expect(unsignedEntry.safeParse({ ...e, key: "demo/echo@" }).success).toBe(false);
    expect(unsignedEntry.safeParse({ ...e, visibility: "private" }).success).toBe(false);
    expect(unsignedEntry.safeParse({ ...e, hlc: "01934DF93D7B0000" }).success).toBe(false);
    expect(unsignedEntry.safeParse({ ...e, origin: "a/b" }).success).toBe(false);
    const live = e as Extract<UnsignedEntry, { kind: "tool"; tombstone: false }>;
    expect(unsignedEntry.safeParse({ ...e, body: { ...live.body, version: "1.0" } }).success).toBe(false);
    expect(unsignedEntry.safeParse({ ...e, body: { ...live.body, tool: { ...live.body.tool, inputSchema: { type: "string" } } } }).success).toBe(false);
    // A tombstone carries no body, and a live entry must.
    expect(unsignedEntry.safeParse({ ...e, tombstone: true }).success).toBe(false);
    const { body: _body, ...bare } = live;
    expect(unsignedEntry.safeParse({ ...bare, tombstone: true }).success).toBe(true);
    expect(unsignedEntry.safeParse(bare).success).toBe(false);
    expect(signedEntry.safeParse(e).success).toBe(false);
  });

  it("names the tool and its group in the key", () => {
    expect(toolOfKey("github/create_issue")).toEqual({ upstream: "github", tool: "create_issue", group: "github/create_issue" });
    expect(toolOfKey("github/create_issue@v2")).toEqual({ upstream: "github", tool: "create_issue", group: "github/create_issue" });
    expect(() => toolOfKey("nope")).toThrow(RangeError);
  });
});

describe("registry test vectors", () => {
  it("match canonical bytes, ids and signatures computed independently (node:crypto)", async () => {
    const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: vectors.signer.publicKey }, format: "jwk" });
    const me = await ed25519TestSigner(Buffer.from(vectors.signer.seed, "hex"));
    expect(me.signer.nodeId).toBe(vectors.signer.nodeId);
    expect(vectors.entries.length).toBeGreaterThanOrEqual(3);
    for (const v of vectors.entries) {
      expect(unsignedEntry.parse(v.unsigned)).toEqual(v.unsigned);
      expect(canonicalize(v.unsigned)).toBe(v.signingBytes);
      expect(canonicalize(v.signed)).toBe(v.canonical);
      expect(createHash("sha256").update(v.canonical).digest("hex")).toBe(v.id);
      const framed = Buffer.concat([Buffer.from(ENTRY_CONTEXT), Buffer.from([0]), Buffer.from(v.signingBytes)]);
      expect(verify(null, framed, publicKey, Buffer.from(fromBase64url(v.signed.sig)))).toBe(true);
      // Ed25519 is deterministic: signing again gives the same entry.
      const again = await signEntry(v.unsigned, me.signer);
      expect(again.id).toBe(v.id);
    }
    // JCS details the vectors pin: ES number forms, and non-ASCII left as is.
    expect(vectors.entries[0].canonical).toContain('"maximum":1e+21');
    expect(vectors.entries[0].canonical).toContain("ümlauts");
  });

  it("refuse each invalid entry, and take the replicable entry and the one with the origin's listed name", () => {
    expect(vectors.invalid.length).toBeGreaterThanOrEqual(6);
    for (const v of vectors.invalid) expect(unsignedEntry.safeParse(v.unsigned).success, v.name).toBe(false);
    const listed = vectors.entries.find((v: { name: string }) => v.name === "live-listed-name");
    expect(unsignedEntry.parse(listed.unsigned)).toMatchObject({ body: { listedName: "search" } });
    const replicable = vectors.entries.find((v: { name: string }) => v.name === "live-replicable");
    expect(unsignedEntry.parse(replicable.unsigned)).toMatchObject({ body: { replicable: true } });
  });

  it("match the conflict rule", () => {
    for (const c of conflictVectors.cases) {
      const got = beats(c.a, c.b) ? "a" : beats(c.b, c.a) ? "b" : "none";
      expect(got, c.name).toBe(c.winner);
    }
  });
});
