// An invoice as PDF, with pdf-lib (pure JavaScript: the same code on Node, Deno and Workers).
// Where the runtime supplies font files (Platform.pdfFonts: DejaVu Sans on Node, Deno and
// Workers), they are embedded, subset to the glyphs drawn, and every language is written: Latin,
// Greek, Cyrillic and Arabic, each line put in visual order by the bidirectional algorithm and
// Arabic shaped by fontkit (which comes with the files); an Arabic invoice's layout is mirrored
// (it reads from the right). DejaVu has no CJK or Hangul glyphs: the runtime passes fallback fonts
// for them (Noto Sans SC and KR), each read only when the invoice holds its script, and each
// character DejaVu lacks is drawn with the first that has it; else as an empty box. Without font
// files the standard Helvetica fonts are used, which hold WinAnsi only: English or German, anything else refused, and a character outside WinAnsi in a party's details prints as "?". Amounts show the
// currency's code ("EUR 12.50"), never a symbol a font may lack. The invoice's JSON is attached
// to the file (invoice.json), so a program reads it exactly.
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from "pdf-lib";
import { formatAmount } from "../../protocol/ledger/currencies.ts";
import type { FallbackScript, PdfFonts } from "../settings/platform.ts";
import { dateOf, modelText, periodText } from "./invoice-html.ts";
import type { Invoice, InvoiceLine, InvoiceParty } from "./invoices.ts";
import { INVOICE_LANGUAGES, LABELS, type InvoiceLanguage, type InvoiceLabels } from "./labels.ts";
import { visualRuns } from "./visual-runs.ts";

/** Languages the standard fonts can write. */
export const STANDARD_FONT_LANGUAGES: readonly InvoiceLanguage[] = ["en", "de"];

export class UnsupportedRendering extends Error {
  override name = "UnsupportedRendering";
}

// WinAnsi (cp1252) beyond Latin-1's printable range.
const CP1252_EXTRA = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

/** Text the standard fonts can draw: odd spaces become spaces, anything else outside WinAnsi "?". */
export function winAnsi(s: string): string {
  let out = "";
  for (const ch of plain(s)) {
    const c = ch.codePointAt(0)!;
    out += (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || CP1252_EXTRA.has(ch) ? ch : "?";
  }
  return out;
}

/** Odd spaces as spaces; zero-width and directional marks dropped (the runs carry direction). */
function plain(s: string): string {
  return s.replace(/[\u2000-\u200a\u202f\u205f]/g, " ").replace(/[\u200b-\u200f\u2066-\u2069]/g, "");
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;

/** A piece of a line and the font that draws it. */
interface Piece {
  text: string;
  font: PDFFont;
}

class Writer {
  page: PDFPage;
  y: number;
  private readonly covered = new Map<PDFFont, Set<number>>();
  constructor(
    private readonly doc: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
    /** Embedded fonts: any script, lines in visual order. Standard fonts: WinAnsi. */
    private readonly unicode: boolean,
    /** The page reads from the right: every position mirrored. */
    private readonly rtl: boolean,
    /** Draw what the main font lacks (CJK, Hangul), in both weights; the first that has a character draws it. */
    private readonly fallbacks: readonly PDFFont[] = [],
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
  private covers(font: PDFFont, ch: string): boolean {
    let set = this.covered.get(font);
    if (!set) this.covered.set(font, (set = new Set(font.getCharacterSet())));
    return set.has(ch.codePointAt(0)!);
  }
  /** A run cut where the main font lacks a character a fallback has (one font per piece). */
  private pieces(text: string, font: PDFFont): Piece[] {
    if (this.fallbacks.length === 0) return [{ text, font }];
    const out: Piece[] = [];
    for (const ch of text) {
      const f = this.covers(font, ch) ? font : (this.fallbacks.find((fb) => this.covers(fb, ch)) ?? font);
      const last = out.at(-1);
      if (last?.font === f) last.text += ch;
      else out.push({ text: ch, font: f });
    }
    return out;
  }
  private width(pieces: Piece[], size: number): number {
    return pieces.reduce((sum, p) => sum + p.font.widthOfTextAtSize(p.text, size), 0);
  }
  /** Drawn at `x` from the start edge, or ending at `right` (a number column). */
  text(s: string, x: number, o: { size?: number; bold?: boolean; right?: number } = {}): void {
    const font = o.bold ? this.bold : this.regular;
    const size = o.size ?? 9;
    const runs = this.unicode ? visualRuns(plain(s), this.rtl ? "rtl" : "ltr").flatMap((r) => this.pieces(r.text, font)) : [{ text: winAnsi(s), font }];
    let at = o.right === undefined ? x : o.right - this.width(runs, size);
    if (this.rtl) at = A4[0] - at - this.width(runs, size);
    for (const r of runs) {
      this.page.drawText(r.text, { x: at, y: this.y, size, font: r.font });
      at += r.font.widthOfTextAtSize(r.text, size);
    }
  }
  /** Clips text to a width, with an ellipsis. */
  fit(s: string, width: number, size = 9): string {
    let t = this.unicode ? plain(s) : winAnsi(s);
    while (t.length > 1 && this.width(this.pieces(t, this.regular), size) > width) t = `${t.slice(0, -2)}…`;
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

/** The languages a PDF is made in: all with font files, those of the standard fonts without. */
export function pdfLanguages(fonts: PdfFonts | undefined): readonly InvoiceLanguage[] {
  return fonts ? INVOICE_LANGUAGES : STANDARD_FONT_LANGUAGES;
}

// What each fallback font is embedded for, in the order they are tried: Han, kana and CJK
// punctuation and forms (Noto Sans SC), then Hangul (Noto Sans KR).
const FALLBACK_SCRIPTS: readonly (readonly [FallbackScript, RegExp])[] = [
  ["cjk", /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u],
  ["hangul", /\p{Script=Hangul}/u],
];

async function embedFonts(doc: PDFDocument, files: PdfFonts | undefined, inv: Invoice): Promise<[PDFFont, PDFFont, PDFFont[]]> {
  if (!files) return [await doc.embedFont(StandardFonts.Helvetica), await doc.embedFont(StandardFonts.HelveticaBold), []];
  doc.registerFontkit(files.fontkit);
  // Only when needed: each fallback is megabytes to read (on Workers, to fetch), and costs its parse and some bytes embedded, even unused.
  const text = JSON.stringify(inv);
  const needed = FALLBACK_SCRIPTS.flatMap(([script, pattern]) => {
    const load = files.fallbacks?.[script];
    return load && pattern.test(text) ? [load] : [];
  });
  const fallbacks = await Promise.all(needed.map(async (load) => doc.embedFont(await load(), { subset: true })));
  return [await doc.embedFont(files.regular, { subset: true }), await doc.embedFont(files.bold, { subset: true }), fallbacks];
}

export async function invoicePdf(inv: Invoice, lang: InvoiceLanguage, fonts?: PdfFonts): Promise<Uint8Array> {
  if (!pdfLanguages(fonts).includes(lang)) throw new UnsupportedRendering(`a PDF is made in ${STANDARD_FONT_LANGUAGES.join(" or ")} only on this runtime (no font files: the standard fonts write Latin scripts): use --format html for ${lang}`);
  const w = LABELS[lang];
  const money = (amount: number, unit: string) => formatAmount(amount, unit, lang, { display: "code" });
  const doc = await PDFDocument.create();
  // Metadata strings are UTF-16 in the file whatever the fonts.
  doc.setTitle(`${w.invoice} ${inv.label}`);
  doc.setSubject(`${inv.seller.legalName ?? inv.seller.name} → ${inv.buyer.legalName ?? inv.buyer.name}, ${inv.period.label}`);
  doc.setKeywords(inv.totals.map((t) => `${t.unit}=${t.total}`));
  doc.setCreator("mcpfed");
  doc.setProducer("mcpfed (pdf-lib)");
  doc.setCreationDate(new Date(inv.issuedAt));
  doc.setModificationDate(new Date(inv.issuedAt));
  doc.setLanguage(lang);
  await doc.attach(new TextEncoder().encode(JSON.stringify(inv, null, 2)), "invoice.json", { mimeType: "application/json", description: "the invoice as issued", creationDate: new Date(inv.issuedAt), modificationDate: new Date(inv.issuedAt) });
  const [regular, bold, fallbacks] = await embedFonts(doc, fonts, inv);
  const out = new Writer(doc, regular, bold, fonts !== undefined, lang === "ar", fallbacks);
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
