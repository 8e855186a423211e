// Set-off and settlement records (protocol §16, §16): each signature is checked against the
// party it belongs to, over the exact canonical bytes, and a set-off counts only with the preimage.
import { beforeEach, describe, expect, it } from "vitest";
import { hashlockOf, setOffId, signSetOff, verifySetOffRecord, verifySignedSetOff, type SetOff, type SetOffRecord } from "../../src/protocol/ledger/set-off.ts";
import { newSettlementId, signSettlement, verifySettlementRecord, type Settlement } from "../../src/protocol/ledger/settlement.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";

let a: TestIdentity;
let b: TestIdentity;
let c: TestIdentity;
let keys: TestKeyring;
const PREIMAGE = "5a".repeat(32);

beforeEach(async () => {
  [a, b, c] = await Promise.all([ed25519TestSigner(), ed25519TestSigner(), ed25519TestSigner()]);
  keys = new TestKeyring().add(a, b, c);
});

const setOffOf = (over: Partial<SetOff> = {}): SetOff => ({
  v: "mcpfed/1",
  type: "set-off",
  round: "ab".repeat(32),
  debtor: a.signer.nodeId,
  creditor: b.signer.nodeId,
  unit: "credit",
  amount: 40,
  obligation: { amount: 100, asOf: 1_000, digest: "cd".repeat(32) },
  potentials: { debtor: -1, creditor: 0 },
  limits: { debtor: 100, creditor: 100 },
  hashlock: hashlockOf(PREIMAGE),
  expires: 5_000,
  ...over,
});

async function recordOf(s: SetOff): Promise<SetOffRecord> {
  return { setOff: s, sigs: { debtor: await signSetOff(a.signer, s), creditor: await signSetOff(b.signer, s) }, preimage: PREIMAGE };
}

describe("set-off", () => {
  it("is valid with both parties' signatures and the preimage; void without it", async () => {
    const r = await recordOf(setOffOf());
    expect(await verifySetOffRecord(keys, r)).toBe("valid");
    expect(await verifySignedSetOff(keys, { setOff: r.setOff, sigs: r.sigs })).toBe("valid");
    expect(await verifySetOffRecord(keys, { ...r, preimage: "5b".repeat(32) })).toBe("wrong_preimage");
    expect(await verifySetOffRecord(keys, { setOff: r.setOff, sigs: r.sigs })).toBe("malformed");
    expect(await setOffId(r.setOff)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a signature by anyone but the named party, or over other bytes", async () => {
    const s = setOffOf();
    const r = await recordOf(s);
    expect(await verifySetOffRecord(keys, { ...r, sigs: { ...r.sigs, debtor: r.sigs.creditor } })).toBe("bad_debtor_signature");
    expect(await verifySetOffRecord(keys, { ...r, sigs: { ...r.sigs, creditor: r.sigs.debtor } })).toBe("bad_creditor_signature");
    expect(await verifySetOffRecord(keys, { ...r, setOff: { ...s, amount: 41 } })).toBe("bad_debtor_signature");
    expect(await verifySetOffRecord(keys, { ...r, sigs: { ...r.sigs, debtor: "AA" } })).toBe("bad_debtor_signature");
    const unknown = await ed25519TestSigner();
    const stranger = setOffOf({ creditor: unknown.signer.nodeId });
    expect(await verifySetOffRecord(keys, { setOff: stranger, sigs: { debtor: await signSetOff(a.signer, stranger), creditor: await signSetOff(unknown.signer, stranger) }, preimage: PREIMAGE })).toBe("unknown_node");
    await expect(signSetOff(c.signer, s)).rejects.toThrow(/not a party/);
  });

  it("parses strictly: more than the obligation, a node with itself, extra fields are malformed", async () => {
    const r = await recordOf(setOffOf());
    expect(await verifySetOffRecord(keys, { ...r, setOff: { ...r.setOff, amount: 101 } })).toBe("malformed");
    expect(await verifySetOffRecord(keys, { ...r, setOff: { ...r.setOff, creditor: a.signer.nodeId } })).toBe("malformed");
    expect(await verifySetOffRecord(keys, { ...r, setOff: { ...r.setOff, extra: 1 } })).toBe("malformed");
    expect(await verifySetOffRecord(keys, { ...r, extra: 1 })).toBe("malformed");
    expect(await verifySetOffRecord(keys, { ...r, setOff: { ...r.setOff, obligation: { ...r.setOff.obligation, amount: 0 } } })).toBe("malformed");
  });
});

describe("settlement", () => {
  const settlementOf = (over: Partial<Settlement> = {}): Settlement => ({
    v: "mcpfed/1",
    type: "settlement",
    id: newSettlementId(),
    payer: a.signer.nodeId,
    payee: b.signer.nodeId,
    unit: "EUR",
    amount: 1250,
    method: "manual",
    reference: "SEPA 2026-12-05 #17",
    paidAt: 2_000,
    ...over,
  });

  it("is pending with the payer's signature and valid once the payee countersigns the same bytes", async () => {
    const s = settlementOf();
    const payer = await signSettlement(a.signer, s);
    expect(await verifySettlementRecord(keys, { settlement: s, sigs: { payer } })).toBe("pending");
    expect(await verifySettlementRecord(keys, { settlement: s, sigs: { payer, payee: await signSettlement(b.signer, s) } })).toBe("valid");
  });

  it("refuses a signature by the wrong node, altered bytes and bad shapes", async () => {
    const s = settlementOf();
    const payer = await signSettlement(a.signer, s);
    const payee = await signSettlement(b.signer, s);
    expect(await verifySettlementRecord(keys, { settlement: s, sigs: { payer: payee, payee } })).toBe("bad_payer_signature");
    expect(await verifySettlementRecord(keys, { settlement: s, sigs: { payer, payee: payer } })).toBe("bad_payee_signature");
    expect(await verifySettlementRecord(keys, { settlement: { ...s, amount: 1 }, sigs: { payer, payee } })).toBe("bad_payer_signature");
    expect(await verifySettlementRecord(keys, { settlement: { ...s, amount: 0 }, sigs: { payer, payee } })).toBe("malformed");
    expect(await verifySettlementRecord(keys, { settlement: { ...s, payee: s.payer }, sigs: { payer, payee } })).toBe("malformed");
    expect(await verifySettlementRecord(keys, { settlement: { ...s, method: "cash" }, sigs: { payer, payee } })).toBe("malformed");
    expect(await verifySettlementRecord(keys, { settlement: { ...s, reference: "" }, sigs: { payer, payee } })).toBe("malformed");
    await expect(signSettlement(c.signer, s)).rejects.toThrow(/not a party/);
  });
});
