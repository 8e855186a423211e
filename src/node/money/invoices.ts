// Invoices per peer and period, from confirmed ledger records: calls this node served (charges)
// and made (credits) in lines per tool, pricing model and quoted price, set-offs and settlements,
// taxes on the charges, totals per currency unit. Issued once: the number comes from the store's
// sequence, the whole document is stored, and issuing the same peer and period again returns it.
import { percentOf, safeAmount } from "../../protocol/ledger/currencies.ts";
import type { Database } from "../../store/database.ts";
import { invoiceByNumber, invoiceFor, issueInvoice, lineSums, listInvoices, type InvoiceRow, type LineSum } from "../../store/money.ts";
import type { Peer } from "../../store/peers.ts";
import { ownBillingDetails, peerBillingDetails, type TaxRate } from "./billing.ts";
import type { Period } from "./period.ts";

export interface InvoiceParty {
  /** The node's id. */
  node: string;
  /** The name on its card. */
  name: string;
  url?: string;
  legalName?: string;
  address?: string;
  taxId?: string;
  contact?: string;
}

export type LineKind = "charge" | "credit" | "set-off" | "settlement";

export interface InvoiceLine {
  kind: LineKind;
  unit: string;
  /** A call's tool (its global id); absent on set-off and settlement lines. */
  tool?: string;
  /** per_call, per_time/second, per_time/ms, subscription, grant; set-off; settlement. */
  model: string;
  /** The quoted price per billed unit (calls, seconds, ms; a grant's price); absent where none applies. */
  price?: number;
  /** Records in the line. */
  quantity: number;
  /** Billed units (calls, seconds or ms) summed. */
  units: number;
  /** Signed as it counts toward the balance: charges +, credits −, set-offs and settlements by who they favoured. */
  amount: number;
}

export interface InvoiceTotal {
  unit: string;
  charges: number;
  taxes: { name: string; percent: string; amount: number }[];
  /** Negative: what this node owes the peer for the period's calls it made. */
  credits: number;
  cleared: number;
  settled: number;
  /** charges + taxes + credits + cleared + settled: positive, the peer owes this node. */
  total: number;
}

export interface Invoice {
  number: number;
  /** The number as printed: the operator's prefix, six digits at least. */
  label: string;
  issuedAt: number;
  period: { from: number; to: number; label: string };
  /** Records completed before this time are on the invoice: the period's end, or the moment of issue within it. */
  asOf: number;
  seller: InvoiceParty;
  buyer: InvoiceParty;
  language: string;
  lines: InvoiceLine[];
  totals: InvoiceTotal[];
  note?: string;
}

/** The invoice without what the store's sequence gives it. */
type Draft = Omit<Invoice, "number" | "label"> & { prefix: string };

export class InvoiceError extends Error {
  override name = "InvoiceError";
  constructor(
    readonly code: "no_operator_details",
    message: string,
  ) {
    super(message);
  }
}

export interface InvoicePort {
  db: Database;
  nodeId: string;
  config: { nodeName: string; publicUrl: URL | undefined; nodeContact: string | undefined };
}

/** The line's model and price from a call's quote: per_time names its step; a subscription call's price is its grant's, so 0 here. */
function modelOf(l: LineSum): { model: string; price?: number } {
  switch (l.model) {
    case "per_time":
      return { model: `per_time/${l.per}`, price: l.price ?? 0 };
    case "subscription":
      return { model: l.model, price: 0 };
    case "free":
      return { model: l.model };
    default:
      return { model: l.model ?? "unknown", price: l.price ?? 0 };
  }
}

/**
 * Lines from the store's sums (lineSums): one per kind, tool, model, price and unit, in a stable
 * order. Set-offs and settlements are signed by whom they favoured: this node the debtor (or payer),
 * what it owed shrank, so the balance moves its way (+).
 */
export function invoiceLines(sums: readonly LineSum[]): InvoiceLine[] {
  const lines = sums.map((m): InvoiceLine => {
    if (m.kind === "call") {
      const provided = m.role === "provider";
      return { kind: provided ? "charge" : "credit", unit: m.unit, tool: m.tool ?? "", ...modelOf(m), quantity: m.quantity, units: m.units, amount: provided ? m.amount : -m.amount };
    }
    return { kind: m.kind, unit: m.unit, model: m.kind, quantity: m.quantity, units: m.units, amount: m.role === "consumer" ? m.amount : -m.amount };
  });
  const order: LineKind[] = ["charge", "credit", "set-off", "settlement"];
  return lines.sort(
    (a, b) =>
      order.indexOf(a.kind) - order.indexOf(b.kind) ||
      (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0) ||
      (a.tool ?? "").localeCompare(b.tool ?? "") ||
      a.model.localeCompare(b.model) ||
      (a.price ?? 0) - (b.price ?? 0) ||
      a.amount - b.amount,
  );
}

/**
 * Totals per unit. Each tax is a percentage of that unit's charges, computed exactly and rounded
 * half away from zero to the unit's smallest step; credits, set-offs and settlements are not taxed here.
 */
export function invoiceTotals(lines: readonly InvoiceLine[], taxes: readonly TaxRate[]): InvoiceTotal[] {
  const byUnit = new Map<string, InvoiceTotal>();
  for (const l of lines) {
    const t = byUnit.get(l.unit) ?? { unit: l.unit, charges: 0, taxes: [], credits: 0, cleared: 0, settled: 0, total: 0 };
    const field = ({ charge: "charges", credit: "credits", "set-off": "cleared", settlement: "settled" } as const)[l.kind];
    t[field] = safeAmount(BigInt(t[field]) + BigInt(l.amount));
    byUnit.set(l.unit, t);
  }
  const totals = [...byUnit.values()].sort((a, b) => (a.unit < b.unit ? -1 : 1));
  for (const t of totals) {
    t.taxes = taxes.map((x) => ({ name: x.name, percent: x.percent, amount: percentOf(t.charges, x.percent) }));
    const sum = [t.charges, t.credits, t.cleared, t.settled, ...t.taxes.map((x) => x.amount)].reduce((s, v) => s + BigInt(v), 0n);
    t.total = safeAmount(sum);
  }
  return totals;
}

function label(prefix: string, number: number): string {
  return `${prefix}${String(number).padStart(6, "0")}`;
}

function fromRow(row: InvoiceRow): Invoice {
  const { prefix, ...draft } = JSON.parse(row.document) as Draft;
  return { number: row.number, label: label(prefix, row.number), ...draft };
}

/**
 * Issues the invoice of `peer` for `period`, or returns the one already issued (`issued` false).
 * Needs this node's operator details (at least a legal name): an invoice without a seller is no invoice.
 */
export async function issue(s: InvoicePort, peer: Peer, period: Period, now: number): Promise<{ invoice: Invoice; issued: boolean }> {
  const held = await invoiceFor(s.db, peer.nodeId, period.from, period.to);
  if (held) return { invoice: fromRow(held), issued: false };
  const own = await ownBillingDetails(s.db);
  if (!own) throw new InvoiceError("no_operator_details", "set this node's billing details first (mcpfed billing set --legal-name …)");
  const theirs = (await peerBillingDetails(s.db, peer.nodeId)) ?? {};
  const asOf = Math.min(period.to, now);
  const lines = invoiceLines(await lineSums(s.db, { peer: peer.nodeId, from: period.from, to: asOf }));
  const draft: Draft = {
    prefix: own.invoicePrefix,
    issuedAt: now,
    period: { from: period.from, to: period.to, label: period.label },
    asOf,
    seller: {
      node: s.nodeId,
      name: s.config.nodeName,
      ...(s.config.publicUrl ? { url: s.config.publicUrl.origin } : {}),
      legalName: own.legalName,
      ...(own.address ? { address: own.address } : {}),
      ...(own.taxId ? { taxId: own.taxId } : {}),
      ...((own.contact ?? s.config.nodeContact) ? { contact: own.contact ?? s.config.nodeContact } : {}),
    },
    buyer: {
      node: peer.nodeId,
      name: peer.card.name,
      url: peer.card.url,
      ...(theirs.legalName ? { legalName: theirs.legalName } : {}),
      ...(theirs.address ? { address: theirs.address } : {}),
      ...(theirs.taxId ? { taxId: theirs.taxId } : {}),
      ...((theirs.contact ?? peer.card.contact) ? { contact: theirs.contact ?? peer.card.contact } : {}),
    },
    language: own.language,
    lines,
    totals: invoiceTotals(lines, theirs.taxes ?? own.taxes),
    ...(own.note ? { note: own.note } : {}),
  };
  const { row, issued } = await issueInvoice(s.db, { peer: peer.nodeId, periodFrom: period.from, periodTo: period.to, issuedAt: now, document: JSON.stringify(draft) });
  return { invoice: fromRow(row), issued };
}

export async function invoiceNumbered(db: Database, number: number): Promise<Invoice | undefined> {
  const row = await invoiceByNumber(db, number);
  return row && fromRow(row);
}

/** A page of issued invoices, newest first; `next` is the number to pass as `before` for the page after, or null at the end. */
export async function invoiceList(db: Database, filter: { peer?: string; before?: number; limit: number }) {
  const rows = await listInvoices(db, { ...filter, limit: filter.limit + 1 });
  const more = rows.length > filter.limit;
  const invoices = rows.slice(0, filter.limit);
  return { invoices, next: more ? invoices[invoices.length - 1]!.number : null };
}
