// The trust entry kinds (protocol §7.1.2): the vectors (test/vectors/trust-entries.json) checked
// against node:crypto and an independent JCS, admission's refusal of each bad entry for its
// stated reason, and a vouch altered after signing caught by its signature alone.
import { describe, expect, it } from "vitest";
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import { verifyEntry } from "../../src/protocol/registry/signing.ts";
import { TRUST_KINDS } from "../../src/protocol/registry/trust-entries.ts";
import { entryKindVectors, expectRefusedEntries, expectSignedEntries } from "../support/entry-kind-vectors.ts";

const kind = entryKindVectors("trust-entries.json");
const { vectors, rules, keyring } = kind;

describe("trust entry vectors", () => {
  it("cover every kind, and match canonical bytes, ids and signatures computed with node:crypto", async () => {
    expect(new Set(vectors.entries.map((e: { signed: { kind: string } }) => e.signed.kind))).toEqual(new Set(TRUST_KINDS));
    await expectSignedEntries(kind);
  });

  it("are refused by admission as malformed, each for its stated reason", async () => {
    expect(vectors.refused.length).toBeGreaterThanOrEqual(20);
    await expectRefusedEntries(kind);
  });

  it("catch a vouch altered after signing by its signature, though its shape admits it", async () => {
    const screened = await screen(vectors.forged.entry, rules);
    if (isRejection(screened)) throw new Error(screened.detail);
    expect(await verifyEntry(screened, keyring)).toBe(vectors.forged.verdict);
    expect(vectors.forged.verdict).toBe("bad_signature");
  });
});
