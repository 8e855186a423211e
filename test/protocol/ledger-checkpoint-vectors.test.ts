// The ledger's checkpoint suite against test/vectors/ledger/checkpoint.json, on each crypto path:
// the Ed25519-half signatures verify and every tampered record, checkpoint and proof gets its
// stated verdict; the tree, leaves and paths rebuild byte for byte; and what one path signs the
// other verifies. The Merkle tree is also checked against RFC 6962's reference roots.
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { ed25519ComponentMessage } from "../../src/protocol/identity/ed25519-component.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { noble, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { checkpointHash, leafData, pathOf, recordLeaf, rootOf, verifyCheckpoint } from "../../src/protocol/ledger/checkpoint.ts";
import { inclusionPath, leafHash, treeHash, verifyInclusion } from "../../src/protocol/ledger/merkle.ts";
import { verifyRecordProof } from "../../src/protocol/ledger/proof.ts";
import { canonicalRecord, type LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { countersign, signIntent, signReceipt, verifyRecord, type LedgerSigner, type LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import { CHECKPOINT_SUITE } from "../../src/protocol/ledger/suite.ts";
import { PATHS, vector } from "./paths.ts";

interface Party {
  seed: string;
  nodeId: string;
  publicKey: string;
}
interface Vectors {
  consumer: Party;
  provider: Party;
  stranger: Party;
  ed25519: { context: string; message: string; signed: string; consumerSignature: string };
  tree: { records: { id: string; canonical: string; leafData: string; leaf: string; path: string[] }[]; root: string; ids: string[] };
  checkpoints: { consumer: { signed: unknown; hash: string }; provider: { signed: unknown; hash: string }; consumerNext: { signed: { checkpoint: { prev: string } } } };
  records: { name: string; record: unknown; verdict: string }[];
  proofs: { name: string; proof: unknown; verdict: string }[];
}

const v = vector<Vectors>("ledger/checkpoint.json");

function verifier(p: Primitives, known: Party[]): LedgerVerifier {
  return {
    async keyOf(node) {
      const party = known.find((k) => k.nodeId === node);
      if (!party) return undefined;
      const key = await signingKey(p, party.publicKey);
      return { verify: (m, s, c) => key.verify(s, m, c), verifyEd25519: (m, s, c) => key.verifyEd25519(s, m, c) };
    },
  };
}

async function signer(p: Primitives, party: Party): Promise<LedgerSigner> {
  const k = await signingKeyFromSeed(p, fromBase64url(party.seed));
  return { nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c), signEd25519: (m, c) => k.signer.signEd25519(m, c) };
}

describe.each(PATHS)("checkpoint-suite vectors (%s)", (_name, p) => {
  const keys = verifier(p, [v.consumer, v.provider, v.stranger]);

  it("signs with the Ed25519 half over the prefixed message, as the vector states", async () => {
    const message = fromBase64url(v.ed25519.message);
    expect(toBase64url(ed25519ComponentMessage(message, v.ed25519.context))).toBe(v.ed25519.signed);
    const k = await signingKeyFromSeed(p, fromBase64url(v.consumer.seed));
    // Ed25519 is deterministic: every path gives the same bytes.
    expect(toBase64url(await k.signer.signEd25519(message, v.ed25519.context))).toBe(v.ed25519.consumerSignature);
    const key = await signingKey(p, v.consumer.publicKey);
    expect(await key.verifyEd25519(fromBase64url(v.ed25519.consumerSignature), message, v.ed25519.context)).toBe(true);
    expect(await key.verifyEd25519(fromBase64url(v.ed25519.consumerSignature), message, "mcpfed/1 ledger-receipt")).toBe(false);
    // The raw Ed25519 key over the bare message: the prefix is what was signed, not the message.
    const edPublic = await p.ed25519.importPublic(fromBase64url(v.consumer.publicKey).subarray(1952));
    expect(await p.ed25519.verify(edPublic, fromBase64url(v.ed25519.consumerSignature), fromBase64url(v.ed25519.signed))).toBe(true);
    expect(await p.ed25519.verify(edPublic, fromBase64url(v.ed25519.consumerSignature), message)).toBe(false);
  });

  it("gives every record its stated verdict", async () => {
    for (const r of v.records) expect(await verifyRecord(keys, r.record), r.name).toBe(r.verdict);
  });

  it("rebuilds the leaves, root and paths, and verifies the checkpoints", async () => {
    const records = v.tree.records.map((r) => JSON.parse(r.canonical) as LedgerRecord);
    records.forEach((r, i) => {
      expect(canonicalRecord(r)).toBe(v.tree.records[i]!.canonical);
      expect(toBase64url(leafData(r))).toBe(v.tree.records[i]!.leafData);
      expect(bytesToHex(recordLeaf(r))).toBe(v.tree.records[i]!.leaf);
    });
    const leaves = records.map(recordLeaf);
    expect(rootOf(leaves)).toBe(v.tree.root);
    leaves.forEach((_, i) => expect(pathOf(leaves, i)).toEqual(v.tree.records[i]!.path));
    for (const c of [v.checkpoints.consumer, v.checkpoints.provider]) {
      expect((await verifyCheckpoint(keys, c.signed)).verdict).toBe("valid");
      expect(await checkpointHash(c.signed as never)).toBe(c.hash);
    }
    expect(v.checkpoints.consumerNext.signed.checkpoint.prev).toBe(v.checkpoints.consumer.hash);
  });

  it("gives every proof its stated verdict", async () => {
    for (const t of v.proofs) expect(await verifyRecordProof(keys, t.proof), t.name).toBe(t.verdict);
  });

  it("makes records under the suite that the other path verifies, and refuses a signer without the Ed25519 half", async () => {
    const other = p === noble ? PATHS[1]![1] : noble;
    const [c, pr] = await Promise.all([signer(p, v.consumer), signer(p, v.provider)]);
    const intent = await signIntent(c, {
      provider: v.provider.nodeId,
      tool: { id: `${v.provider.nodeId}/archive/search`, fingerprint: `sha256:${"a3".repeat(32)}` },
      params: { name: "search", arguments: {} },
      price: { model: "per_call", amount: 1, unit: "credit" },
      requestedAt: 1_000,
      suite: CHECKPOINT_SUITE,
    });
    expect(fromBase64url(intent.sig)).toHaveLength(64);
    const done = await countersign(c, keys, intent, await signReceipt(pr, intent, { result: {}, durationMs: 1, completedAt: 2_000 }), 10);
    expect(await verifyRecord(verifier(other, [v.consumer, v.provider]), done)).toBe("valid");
    await expect(signIntent({ nodeId: c.nodeId, sign: c.sign }, { ...intent.intent, params: {}, suite: CHECKPOINT_SUITE })).rejects.toThrow(/cannot sign/);
  });
});

describe("the RFC 9162 Merkle tree", () => {
  // RFC 6962's reference inputs and the roots of their first n leaves (certificate-transparency's tests).
  const inputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map((h) => Uint8Array.from(Buffer.from(h, "hex")));
  const roots = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  ];

  it("gives the reference roots", () => {
    for (let n = 1; n <= 8; n++) expect(bytesToHex(treeHash(inputs.slice(0, n).map(leafHash))), `${n} leaves`).toBe(roots[n - 1]);
  });

  it("verifies every leaf's path in trees of 1 to 33 leaves, and no path for another leaf, index or length", () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(utf8(`leaf ${i}`)));
      const root = treeHash(leaves);
      for (let i = 0; i < n; i++) {
        const path = inclusionPath(leaves, i);
        expect(verifyInclusion(leaves[i]!, i, n, path, root)).toBe(true);
        if (n > 1) expect(verifyInclusion(leaves[(i + 1) % n]!, i, n, path, root)).toBe(false);
        expect(verifyInclusion(leaves[i]!, n, n, path, root)).toBe(false);
        if (path.length) expect(verifyInclusion(leaves[i]!, i, n, path.slice(1), root)).toBe(false);
        expect(verifyInclusion(leaves[i]!, i, n, [...path, root], root)).toBe(false);
      }
    }
  });
});
