// Balances as an operator takes them away: JSON for programs, CSV for spreadsheets.
import type { Balance } from "./repository.ts";

const COLUMNS = ["peer", "unit", "earned", "spent", "net", "calls"] as const;

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
