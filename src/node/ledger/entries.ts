// Set-off and settlement records (protocol §16, §16) entering a node's ledger: verified by
// their kind's rules, refused unless this node is a party, and stored as rows that balances and
// reconciliation treat like calls. Refused records are flagged for the operator and change nothing.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../protocol/encoding/hash.ts";
import { receivedText } from "../../protocol/ledger/record.ts";
import { setOffId, setOffRecord, verifySetOffRecord, type SetOffVerdict } from "../../protocol/ledger/set-off.ts";
import { settlementRecord, verifySettlementRecord, type SettlementRecord, type SettlementVerdict } from "../../protocol/ledger/settlement.ts";
import type { LedgerVerifier } from "../../protocol/ledger/signing.ts";
import type { EntryRow, LedgerRepository, PutOutcome } from "../../store/ledger.ts";

export type EntryRejection = Exclude<SetOffVerdict | SettlementVerdict, "valid" | "pending"> | "not_a_party";

export type EntryOutcome = { outcome: PutOutcome | "void" } | { outcome: "rejected"; reason: EntryRejection };

export interface EntryContext {
  self: string;
  verifier: LedgerVerifier;
  repository: LedgerRepository;
}

/** A settlement's text without the payee's signature: what a pending copy holds. */
function pendingText(text: string): string {
  const r = JSON.parse(text) as SettlementRecord;
  return canonicalJson({ settlement: r.settlement, sigs: { payer: r.sigs.payer } });
}

async function refuse(c: EntryContext, id: string | null, source: string | null, reason: EntryRejection, text: string): Promise<EntryOutcome> {
  await c.repository.flag(id, source, reason, text);
  return { outcome: "rejected", reason };
}

/**
 * A set-off or settlement from this node's own code (source null) or from a peer. A set-off may come
 * from a round's coordinator as well as from the other party: both parties' signatures and the
 * preimage make it final, whoever carries it. A settlement comes only from its other party.
 */
export async function receiveEntry(c: EntryContext, kind: "set-off" | "settlement", input: unknown, source: string | null): Promise<EntryOutcome> {
  const text = receivedText(input);
  if (kind === "set-off") {
    const parsed = setOffRecord.safeParse(input);
    if (!parsed.success) return refuse(c, null, source, "malformed", text);
    const { setOff } = parsed.data;
    const id = await setOffId(setOff);
    const peer = setOff.debtor === c.self ? setOff.creditor : setOff.creditor === c.self ? setOff.debtor : undefined;
    if (peer === undefined) return refuse(c, id, source, "not_a_party", text);
    const verdict = await verifySetOffRecord(c.verifier, parsed.data);
    if (verdict !== "valid") return refuse(c, id, source, verdict, text);
    if (setOff.amount === 0) return { outcome: "void" };
    const canonical = canonicalJson(parsed.data);
    const row: EntryRow = {
      id,
      kind,
      peer,
      role: setOff.debtor === c.self ? "consumer" : "provider",
      unit: setOff.unit,
      amount: setOff.amount,
      completedAt: setOff.expires,
      record: canonical,
      hash: await sha256Hex(canonical),
      bare: canonical,
    };
    return { outcome: await c.repository.putEntry(row, "confirmed", source, (t) => t) };
  }
  const parsed = settlementRecord.safeParse(input);
  if (!parsed.success) return refuse(c, null, source, "malformed", text);
  const { settlement } = parsed.data;
  const peer = settlement.payer === c.self ? settlement.payee : settlement.payee === c.self ? settlement.payer : undefined;
  if (peer === undefined || (source !== null && source !== peer)) return refuse(c, settlement.id, source, "not_a_party", text);
  const verdict = await verifySettlementRecord(c.verifier, parsed.data);
  if (verdict !== "valid" && verdict !== "pending") return refuse(c, settlement.id, source, verdict, text);
  const canonical = canonicalJson(parsed.data);
  const row: EntryRow = {
    id: settlement.id,
    kind,
    peer,
    role: settlement.payer === c.self ? "consumer" : "provider",
    unit: settlement.unit,
    amount: settlement.amount,
    completedAt: settlement.paidAt,
    record: canonical,
    hash: await sha256Hex(canonical),
    bare: pendingText(canonical),
  };
  return { outcome: await c.repository.putEntry(row, verdict === "valid" ? "confirmed" : "pending", source, pendingText) };
}
