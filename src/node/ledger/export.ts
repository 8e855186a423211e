// Balances and records as an operator takes them away: JSON for programs, CSV for spreadsheets.
import type { LedgerRecord } from "../../protocol/ledger/record.ts";
import type { Balance, StoredRecord } from "../../store/ledger.ts";

// cleared and settled (§16) come last, so that programs reading the earlier columns by position still read them.
const COLUMNS = ["peer", "unit", "earned", "spent", "net", "calls", "cleared", "settled"] as const;

export function balancesJson(balances: Balance[]): string {
  return JSON.stringify(balances.map((b) => Object.fromEntries(COLUMNS.map((c) => [c, b[c]]))));
}

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. A leading = + - @
 * is prefixed with ' so that a peer-chosen unit name cannot run as a spreadsheet formula.
 */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function balancesCsv(balances: Balance[]): string {
  const lines = [COLUMNS.join(",")];
  for (const b of balances) lines.push(COLUMNS.map((c) => csvField(b[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}

const RECORD_COLUMNS = ["id", "peer", "role", "status", "tool", "units", "amount", "unit", "requestedAt", "completedAt", "stage", "kind"] as const;

/**
 * One held record as an accounting row; times are ISO 8601 (UTC), a free call's unit is "".
 * `stage` is what the record proves so far (pending, confirmed, post_quantum_final, disputed).
 * A set-off or settlement has no tool, units or request time (""); its completedAt is the set-off's
 * expiry or the settlement's payment time, and its role is consumer for the debtor or payer.
 */
export type RecordRow = Record<(typeof RECORD_COLUMNS)[number], string | number>;

export function recordRow(s: StoredRecord, stage: string): RecordRow {
  if (s.kind !== "call") {
    const body = JSON.parse(s.record) as { setOff?: { amount: number; unit: string }; settlement?: { amount: number; unit: string } };
    const { amount, unit } = (body.setOff ?? body.settlement)!;
    const completedAt = new Date(s.completedAt).toISOString();
    return { id: s.id, peer: s.peer, role: s.role, status: s.status, tool: "", units: "", amount, unit, requestedAt: "", completedAt, stage, kind: s.kind };
  }
  const r = JSON.parse(s.record) as LedgerRecord;
  return {
    id: s.id,
    peer: s.peer,
    role: s.role,
    status: s.status,
    tool: r.intent.tool.id,
    units: r.receipt.units,
    amount: r.receipt.amount,
    unit: r.receipt.unit ?? "",
    requestedAt: new Date(r.intent.requestedAt).toISOString(),
    completedAt: new Date(r.receipt.completedAt).toISOString(),
    stage,
    kind: "call",
  };
}

export function recordsCsv(rows: RecordRow[]): string {
  const lines = [RECORD_COLUMNS.join(",")];
  for (const row of rows) lines.push(RECORD_COLUMNS.map((c) => csvField(row[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}
