// An invoice as PDF, with pdf-lib (pure JavaScript: the same code on Node, Deno and Workers) and
// the standard Helvetica fonts, which need no font file. Those fonts hold the WinAnsi characters
// only: Latin scripts. So a PDF is made in English or German; Arabic (and any right-to-left or
// non-Latin language) is refused, and a character outside WinAnsi in a party's details prints
// as "?". Amounts show the currency's code ("EUR 12.50"), never a symbol the font may lack. The
// invoice's JSON is attached to the file (invoice.json), so a program reads it exactly.
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from "pdf-lib";
import { formatAmount } from "../../protocol/ledger/currencies.ts";
import { dateOf, modelText, periodText } from "./invoice-html.ts";
import type { Invoice, InvoiceLine, InvoiceParty } from "./invoices.ts";
import { LABELS, type InvoiceLanguage, type InvoiceLabels } from "./labels.ts";

/** Languages the standard fonts can write. */
export const PDF_LANGUAGES: readonly InvoiceLanguage[] = ["en", "de"];

export class UnsupportedRendering extends Error {
  override name = "UnsupportedRendering";
}

// WinAnsi (cp1252) beyond Latin-1's printable range.
const CP1252_EXTRA = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

/** Text the standard fonts can draw: odd spaces become spaces, anything else outside WinAnsi "?". */
export function winAnsi(s: string): string {
  let out = "";
  for (const ch of s.replace(/[\u2000-\u200a\u202f\u205f]/g, " ").replace(/[\u200b-\u200f\u2066-\u2069]/g, "")) {
    const c = ch.codePointAt(0)!;
    out += (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || CP1252_EXTRA.has(ch) ? ch : "?";
  }
  return out;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;

class Writer {
  page: PDFPage;
  y: number;
  constructor(
    private readonly doc: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
  ) {
    this.page = doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }
  /** Moves down by `h`, onto a new page when the bottom margin is reached. */
  down(h: number): void {
    if (this.y - h < MARGIN) {
      this.page = this.doc.addPage(A4);
      this.y = A4[1] - MARGIN;
    }
    this.y -= h;
  }
  text(s: string, x: number, o: { size?: number; bold?: boolean; right?: number } = {}): void {
    const font = o.bold ? this.bold : this.regular;
    const size = o.size ?? 9;
    const t = winAnsi(s);
    const at = o.right === undefined ? x : o.right - font.widthOfTextAtSize(t, size);
    this.page.drawText(t, { x: at, y: this.y, size, font });
  }
  /** Clips text to a width, with an ellipsis. */
  fit(s: string, width: number, size = 9): string {
    let t = winAnsi(s);
    while (t.length > 1 && this.regular.widthOfTextAtSize(t, size) > width) t = `${t.slice(0, -2)}…`;
    return t;
  }
}

function partyLines(p: InvoiceParty, w: InvoiceLabels): string[] {
  return [
    ...(p.address ? p.address.split("\n") : []),
    ...(p.taxId ? [`${w.taxId}: ${p.taxId}`] : []),
    ...(p.contact ? [`${w.contact}: ${p.contact}`] : []),
    `${w.node}: ${p.node.slice(0, 24)}…`,
  ];
}

/** A tool's global id shortened for a column: the origin's id is on the invoice already. */
function toolText(l: InvoiceLine, w: InvoiceLabels): string {
  if (!l.tool) return w.kinds[l.kind];
  const [, ...rest] = l.tool.split("/");
  return rest.join("/") || l.tool;
}

export async function invoicePdf(inv: Invoice, lang: InvoiceLanguage): Promise<Uint8Array> {
  if (!PDF_LANGUAGES.includes(lang)) throw new UnsupportedRendering(`a PDF is made in ${PDF_LANGUAGES.join(" or ")} only (its standard fonts write Latin scripts): use --format html for ${lang}`);
  const w = LABELS[lang];
  const money = (amount: number, unit: string) => formatAmount(amount, unit, lang, { display: "code" });
  const doc = await PDFDocument.create();
  doc.setTitle(winAnsi(`${w.invoice} ${inv.label}`));
  doc.setSubject(winAnsi(`${inv.seller.legalName ?? inv.seller.name} → ${inv.buyer.legalName ?? inv.buyer.name}, ${inv.period.label}`));
  doc.setKeywords(inv.totals.map((t) => `${t.unit}=${t.total}`));
  doc.setCreator("mcpfed");
  doc.setProducer("mcpfed (pdf-lib)");
  doc.setCreationDate(new Date(inv.issuedAt));
  doc.setModificationDate(new Date(inv.issuedAt));
  doc.setLanguage(lang);
  await doc.attach(new TextEncoder().encode(JSON.stringify(inv, null, 2)), "invoice.json", { mimeType: "application/json", description: "the invoice as issued", creationDate: new Date(inv.issuedAt), modificationDate: new Date(inv.issuedAt) });
  const out = new Writer(doc, await doc.embedFont(StandardFonts.Helvetica), await doc.embedFont(StandardFonts.HelveticaBold));
  const right = A4[0] - MARGIN;

  out.text(`${w.invoice} ${inv.label}`, MARGIN, { size: 18, bold: true });
  out.down(22);
  for (const [k, v] of [
    [w.issued, dateOf(inv.issuedAt, lang)],
    [w.period, periodText(inv, lang)],
    [w.recordsUntil, new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }).format(inv.asOf)],
  ] as const) {
    out.text(`${k}: ${v}`, MARGIN);
    out.down(12);
  }
  out.down(8);
  const half = (A4[0] - 2 * MARGIN) / 2;
  const top = out.y;
  let low = top;
  for (const [i, [heading, p]] of ([[w.from, inv.seller], [w.to, inv.buyer]] as const).entries()) {
    out.y = top;
    const x = MARGIN + i * half;
    out.text(heading, x, { bold: true });
    out.down(12);
    out.text(out.fit(p.legalName ?? p.name, half - 10), x, { bold: true });
    for (const l of partyLines(p, w)) {
      out.down(11);
      out.text(out.fit(l, half - 10), x);
    }
    low = Math.min(low, out.y);
  }
  out.y = low;
  out.down(24);

  // Columns: tool, pricing, calls, billed units, unit price, amount (right-aligned numbers).
  const cols = { tool: MARGIN, model: MARGIN + 170, calls: MARGIN + 300, units: MARGIN + 360, price: MARGIN + 430, amount: right };
  const kinds: [InvoiceLine["kind"], string][] = [
    ["charge", w.charges],
    ["credit", w.credits],
    ["set-off", w.setOffs],
    ["settlement", w.settlements],
  ];
  if (inv.lines.length === 0) {
    out.text(w.noLines, MARGIN);
    out.down(16);
  }
  for (const [kind, heading] of kinds) {
    const lines = inv.lines.filter((l) => l.kind === kind);
    if (lines.length === 0) continue;
    out.text(heading, MARGIN, { size: 11, bold: true });
    out.down(14);
    out.text(w.tool, cols.tool, { size: 8, bold: true });
    out.text(w.model, cols.model, { size: 8, bold: true });
    out.text(w.quantity, 0, { size: 8, bold: true, right: cols.calls });
    out.text(w.billedUnits, 0, { size: 8, bold: true, right: cols.units });
    out.text(w.price, 0, { size: 8, bold: true, right: cols.price });
    out.text(w.amount, 0, { size: 8, bold: true, right: cols.amount });
    for (const l of lines) {
      out.down(12);
      out.text(out.fit(toolText(l, w), 165, 8), cols.tool, { size: 8 });
      out.text(out.fit(modelText(l, w), 75, 8), cols.model, { size: 8 });
      out.text(new Intl.NumberFormat(lang).format(l.quantity), 0, { size: 8, right: cols.calls });
      out.text(new Intl.NumberFormat(lang).format(l.units), 0, { size: 8, right: cols.units });
      if (l.price !== undefined) out.text(money(l.price, l.unit), 0, { size: 8, right: cols.price });
      out.text(money(l.amount, l.unit), 0, { size: 8, right: cols.amount });
    }
    out.down(20);
  }

  out.text(w.totals, MARGIN, { size: 11, bold: true });
  for (const t of inv.totals) {
    out.down(16);
    out.text(`${w.currency}: ${t.unit}`, MARGIN, { bold: true });
    const rows: [string, number, boolean][] = [
      [w.charges, t.charges, false],
      ...t.taxes.map((x): [string, number, boolean] => [`${w.tax}: ${x.name} (${x.percent} %)`, x.amount, false]),
      [w.credits, t.credits, false],
      ...(t.cleared ? [[w.setOffs, t.cleared, false] as [string, number, boolean]] : []),
      ...(t.settled ? [[w.settlements, t.settled, false] as [string, number, boolean]] : []),
      [w.total, t.total, true],
    ];
    for (const [k, v, strong] of rows) {
      out.down(12);
      out.text(out.fit(k, 300), MARGIN + 10, { bold: strong });
      out.text(money(v, t.unit), 0, { bold: strong, right });
    }
  }
  if (inv.note) {
    out.down(20);
    for (const l of inv.note.split("\n")) {
      out.text(out.fit(l, right - MARGIN), MARGIN, { size: 8 });
      out.down(10);
    }
  }
  return doc.save();
}
