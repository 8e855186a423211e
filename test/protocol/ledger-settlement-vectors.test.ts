// Set-off and settlement records against test/vectors/ledger/settlement.json, on each crypto path:
// the canonical text, id, hashlock and signing inputs rebuild byte for byte, and every case gets
// its stated verdict. What one path signs, the other verifies.
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import type { Primitives } from "../../src/protocol/identity/primitives.ts";
import { hashlockOf, SET_OFF_CONTEXT, setOffBytes, setOffId, signSetOff, verifySetOffRecord, type SetOffRecord } from "../../src/protocol/ledger/set-off.ts";
import { SETTLEMENT_CONTEXT, settlementBytes, verifySettlementRecord, type SettlementRecord } from "../../src/protocol/ledger/settlement.ts";
import type { LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import { PATHS, vector } from "./paths.ts";

interface Party {
  seed: string;
  nodeId: string;
  publicKey: string;
}
interface Case {
  name: string;
  record: unknown;
  verdict: string;
}
interface Vectors {
  debtor: Party;
  creditor: Party;
  stranger: Party;
  setOff: { context: string; preimage: string; hashlock: string; signingInput: string; id: string; record: SetOffRecord; canonical: string; cases: Case[] };
  settlement: { context: string; signingInput: string; canonical: string; cases: Case[] };
}

const v = vector<Vectors>("ledger/settlement.json");

function verifier(p: Primitives, known: Party[]): LedgerVerifier {
  return {
    async keyOf(node) {
      const party = known.find((k) => k.nodeId === node);
      if (!party) return undefined;
      const key = await signingKey(p, party.publicKey);
      return { verify: (m, s, c) => key.verify(s, m, c) };
    },
  };
}

describe.each(PATHS)("set-off and settlement vectors (%s)", (_name, p) => {
  const keys = verifier(p, [v.debtor, v.creditor, v.stranger]);

  it("rebuilds the set-off's canonical text, id, hashlock and signing input", async () => {
    expect(v.setOff.context).toBe(SET_OFF_CONTEXT);
    expect(hashlockOf(v.setOff.preimage)).toBe(v.setOff.hashlock);
    expect(new TextDecoder().decode(setOffBytes(v.setOff.record.setOff))).toBe(v.setOff.signingInput);
    expect(await setOffId(v.setOff.record.setOff)).toBe(v.setOff.id);
    expect(canonicalJson(v.setOff.record)).toBe(v.setOff.canonical);
  });

  it("gives each set-off case its verdict", async () => {
    for (const c of v.setOff.cases) expect([c.name, await verifySetOffRecord(keys, c.record)]).toEqual([c.name, c.verdict]);
  });

  it("gives each settlement case its verdict, over the stated signing input", async () => {
    expect(v.settlement.context).toBe(SETTLEMENT_CONTEXT);
    const confirmed = v.settlement.cases.find((c) => c.name === "confirmed")!.record as SettlementRecord;
    expect(new TextDecoder().decode(settlementBytes(confirmed.settlement))).toBe(v.settlement.signingInput);
    expect(canonicalJson(confirmed)).toBe(v.settlement.canonical);
    for (const c of v.settlement.cases) expect([c.name, await verifySettlementRecord(keys, c.record)]).toEqual([c.name, c.verdict]);
  });

  it("verifies what this path signs", async () => {
    const k = await signingKeyFromSeed(p, fromBase64url(v.debtor.seed));
    const sig = await signSetOff({ nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c) }, v.setOff.record.setOff);
    expect(await verifySetOffRecord(keys, { ...v.setOff.record, sigs: { ...v.setOff.record.sigs, debtor: sig } })).toBe("valid");
  });
});
