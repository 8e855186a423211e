// Set-off and settlement records (docs/protocol.md §16, §16), composite-signed with the fixed
// seeds' keys and deterministic ML-DSA: the canonical text and id of each, the hashlock, the
// signing input, and tampered records with the verdict each gets. Written to
// test/vectors/ledger/settlement.json; test/protocol/ledger-settlement-vectors.test.ts checks them.
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { hashlockOf, SET_OFF_CONTEXT, setOffBytes, setOffId, signSetOff, verifySetOffRecord, verifySignedSetOff, type SetOff, type SetOffRecord } from "../../src/protocol/ledger/set-off.ts";
import { SETTLEMENT_CONTEXT, settlementBytes, signSettlement, verifySettlementRecord, type Settlement } from "../../src/protocol/ledger/settlement.ts";
import type { LedgerSigner } from "../../src/protocol/ledger/signing.ts";
import { agree, b64, flipped, verifierOf, write } from "./common.ts";
import type { Party } from "./composite.ts";

const signerOf = (k: Party): LedgerSigner => ({ nodeId: k.key.nodeId, sign: (m, c) => k.key.signer.sign(m, c) });


const party = (k: Party) => ({ seed: b64(k.seed), nodeId: k.key.nodeId, publicKey: b64(k.key.signer.publicKey) });
const text = (b: Uint8Array) => new TextDecoder().decode(b);

export async function settlementVectors(o: { debtor: Party; creditor: Party; stranger: Party }): Promise<void> {
  const verifier = verifierOf([o.debtor, o.creditor, o.stranger]);
  const [d, c, x] = [signerOf(o.debtor), signerOf(o.creditor), signerOf(o.stranger)];
  const preimage = "a7".repeat(32);

  const setOff: SetOff = {
    v: "mcpfed/1",
    type: "set-off",
    round: "19".repeat(32),
    debtor: d.nodeId,
    creditor: c.nodeId,
    unit: "EUR",
    amount: 570,
    obligation: { amount: 800, asOf: 1_764_900_000_000, digest: "2b".repeat(32) },
    potentials: { debtor: -1, creditor: 0 },
    limits: { debtor: 100, creditor: 100 },
    hashlock: hashlockOf(preimage),
    expires: 1_764_900_300_000,
  };
  const record: SetOffRecord = { setOff, sigs: { debtor: await signSetOff(d, setOff), creditor: await signSetOff(c, setOff) }, preimage };
  const third: SetOff = { ...setOff, creditor: x.nodeId };
  const setOffCases: { name: string; record: unknown; verdict: string }[] = [
    { name: "valid", record, verdict: "valid" },
    { name: "wrong preimage", record: { ...record, preimage: "a8".repeat(32) }, verdict: "wrong_preimage" },
    { name: "no preimage", record: { setOff, sigs: record.sigs }, verdict: "malformed" },
    { name: "amount altered after signing", record: { ...record, setOff: { ...setOff, amount: 571 } }, verdict: "bad_debtor_signature" },
    { name: "creditor's signature by the debtor", record: { ...record, sigs: { ...record.sigs, creditor: toBase64url(await d.sign(setOffBytes(setOff), SET_OFF_CONTEXT)) } }, verdict: "bad_creditor_signature" },
    { name: "debtor's signature flipped", record: { ...record, sigs: { ...record.sigs, debtor: flipped(record.sigs.debtor) } }, verdict: "bad_debtor_signature" },
    { name: "signed under the settlement context", record: { ...record, sigs: { ...record.sigs, creditor: toBase64url(await c.sign(setOffBytes(setOff), SETTLEMENT_CONTEXT)) } }, verdict: "bad_creditor_signature" },
    { name: "more than the obligation", record: { ...record, setOff: { ...setOff, amount: 801 } }, verdict: "malformed" },
    { name: "debtor is creditor", record: { ...record, setOff: { ...setOff, creditor: d.nodeId } }, verdict: "malformed" },
    { name: "unknown field", record: { ...record, setOff: { ...setOff, note: "x" } }, verdict: "malformed" },
    { name: "a third node's set-off, validly signed", record: { setOff: third, sigs: { debtor: await signSetOff(d, third), creditor: await signSetOff(x, third) }, preimage }, verdict: "valid" },
  ];
  for (const v of setOffCases) agree(`set-off ${v.name}`, v.verdict, await verifySetOffRecord(verifier, v.record));
  agree("signed set-off", "valid", await verifySignedSetOff(verifier, { setOff, sigs: record.sigs }));

  const settlement: Settlement = {
    v: "mcpfed/1",
    type: "settlement",
    id: "5e".repeat(32),
    payer: d.nodeId,
    payee: c.nodeId,
    unit: "EUR",
    amount: 230,
    method: "manual",
    reference: "SEPA RF18 5390 0754 7034",
    paidAt: 1_764_900_600_000,
  };
  const payer = await signSettlement(d, settlement);
  const payee = await signSettlement(c, settlement);
  const settlementCases: { name: string; record: unknown; verdict: string }[] = [
    { name: "confirmed", record: { settlement, sigs: { payer, payee } }, verdict: "valid" },
    { name: "pending", record: { settlement, sigs: { payer } }, verdict: "pending" },
    { name: "payer's signature by the payee", record: { settlement, sigs: { payer: payee, payee } }, verdict: "bad_payer_signature" },
    { name: "payee's signature by a stranger", record: { settlement, sigs: { payer, payee: toBase64url(await x.sign(settlementBytes(settlement), SETTLEMENT_CONTEXT)) } }, verdict: "bad_payee_signature" },
    { name: "amount altered after signing", record: { settlement: { ...settlement, amount: 231 }, sigs: { payer, payee } }, verdict: "bad_payer_signature" },
    { name: "zero amount", record: { settlement: { ...settlement, amount: 0 }, sigs: { payer, payee } }, verdict: "malformed" },
    { name: "unknown method", record: { settlement: { ...settlement, method: "cash" }, sigs: { payer, payee } }, verdict: "malformed" },
    { name: "reference too long", record: { settlement: { ...settlement, reference: "r".repeat(201) }, sigs: { payer, payee } }, verdict: "malformed" },
    { name: "payer is payee", record: { settlement: { ...settlement, payee: d.nodeId }, sigs: { payer, payee } }, verdict: "malformed" },
  ];
  for (const v of settlementCases) agree(`settlement ${v.name}`, v.verdict, await verifySettlementRecord(verifier, v.record));

  write("ledger/settlement.json", {
    description: "Set-off and settlement records (docs/protocol.md §16, §16): composite signatures over JCS of the body, under the contexts given; deterministic ML-DSA.",
    debtor: party(o.debtor),
    creditor: party(o.creditor),
    stranger: party(o.stranger),
    setOff: {
      context: SET_OFF_CONTEXT,
      preimage,
      hashlock: setOff.hashlock,
      signingInput: text(setOffBytes(setOff)),
      id: await setOffId(setOff),
      record,
      canonical: canonicalJson(record),
      cases: setOffCases,
    },
    settlement: {
      context: SETTLEMENT_CONTEXT,
      signingInput: text(settlementBytes(settlement)),
      canonical: canonicalJson({ settlement, sigs: { payer, payee } }),
      cases: settlementCases,
    },
  });
}
