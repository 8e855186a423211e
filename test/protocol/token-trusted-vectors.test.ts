// The trusted-issuer token vectors (test/vectors/tokens-trusted.json, docs/protocol.md §15.9): the
// code must give every signed directory its verdict under the issuer's card key, pick the stated
// issuer by a token's challenge, parse the token-redeem messages as stated, derive the redemption
// record's tool and hashes, judge each record as stated, and price as stated.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { contentHash } from "../../src/protocol/ledger/record.ts";
import type { Pricing } from "../../src/protocol/ledger/pricing.ts";
import { verifyRecord } from "../../src/protocol/ledger/signing.ts";
import { issuerOfDigest } from "../../src/protocol/tokens/challenge.ts";
import { directorySignedBy, issuerDirectory } from "../../src/protocol/tokens/directory.ts";
import { redemptionRequestHash, redemptionResult, redemptionTool, tokenRedeemRequest } from "../../src/protocol/tokens/online-redemption.ts";
import { parseToken } from "../../src/protocol/tokens/token.ts";
import { tokensFor } from "../../src/protocol/tokens/value.ts";

interface Vectors {
  issuer: { nodeId: string; publicKey: string };
  provider: { nodeId: string; publicKey: string };
  directory: { cases: { name: string; document: unknown; claimed: string; valid: boolean }[] };
  token: { text: string; challengeDigest: string; issuer: string };
  issuerOf: { name: string; accepted: string[]; issuer: string | null }[];
  messages: { name: string; message: unknown; valid: boolean }[];
  redemption: { denomination: { unit: string; value: number }; tool: { id: string; fingerprint: string }; requestHash: string; resultHash: string; records: { name: string; record: unknown; verdict: string }[] };
  prices: { pricing: Pricing; tokens: number | null; denomination: { unit: string; value: number } }[];
}

const v = JSON.parse(readFileSync(new URL("../vectors/tokens-trusted.json", import.meta.url), "utf8")) as Vectors;

const verifier = {
  async keyOf(node: string) {
    const pub = node === v.issuer.nodeId ? v.issuer.publicKey : node === v.provider.nodeId ? v.provider.publicKey : undefined;
    if (!pub) return undefined;
    const key = await signingKey(noble, pub);
    return { verify: (m: Uint8Array, s: Uint8Array, c: string) => key.verify(s, m, c) };
  },
};

describe("trusted-issuer token vectors", () => {
  it("checks each directory's signature under the issuer's key", async () => {
    const key = await signingKey(noble, v.issuer.publicKey);
    for (const c of v.directory.cases) {
      const d = issuerDirectory.parse(c.document);
      expect(await directorySignedBy(d, c.claimed, (m, s, ctx) => key.verify(s, m, ctx)), c.name).toBe(c.valid);
    }
    expect(v.directory.cases.map((c) => c.valid)).toEqual(expect.arrayContaining([true, false]));
  });

  it("picks the issuer a token answers among those accepted", () => {
    expect(parseToken(v.token.text)?.challenge).toBe(v.token.challengeDigest);
    for (const c of v.issuerOf) expect(issuerOfDigest(v.token.challengeDigest, c.accepted) ?? null, c.name).toBe(c.issuer);
  });

  it("parses the token-redeem messages as stated", () => {
    for (const c of v.messages) expect(tokenRedeemRequest.safeParse(c.message).success, c.name).toBe(c.valid);
  });

  it("derives the redemption record's tool and hashes, and judges each record as stated", async () => {
    expect(redemptionTool(v.provider.nodeId, v.issuer.nodeId)).toEqual(v.redemption.tool);
    expect(await redemptionRequestHash([v.token.text])).toBe(v.redemption.requestHash);
    expect(await contentHash(redemptionResult(1))).toBe(v.redemption.resultHash);
    for (const c of v.redemption.records) expect(await verifyRecord(verifier, c.record), c.name).toBe(c.verdict);
  });

  it("prices calls in the issuer's tokens as stated", () => {
    for (const c of v.prices) {
      const got = tokensFor(c.pricing, c.denomination);
      expect(got.ok ? got.tokens : null, JSON.stringify(c.pricing)).toBe(c.tokens);
    }
  });
});
