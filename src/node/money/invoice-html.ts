// An invoice as a printable HTML page in one language: words from labels.ts, numbers and dates
// from Intl, `lang` and `dir` set (right to left for Arabic). Every piece of text is escaped: the
// parties' details are the operator's and the peer's to write. Each amount cell carries its exact
// integer (`data-amount`) and unit, so that a program reads the page without parsing numbers.
import { formatAmount } from "../../protocol/ledger/currencies.ts";
import type { Invoice, InvoiceLine, InvoiceParty } from "./invoices.ts";
import { directionOf, LABELS, type InvoiceLanguage, type InvoiceLabels } from "./labels.ts";

const DAY_MS = 86_400_000;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function dateOf(ms: number, lang: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" }).format(ms);
}

/** The period as days, both ends included. */
export function periodText(inv: Invoice, lang: string): string {
  return `${dateOf(inv.period.from, lang)} – ${dateOf(inv.period.to - DAY_MS, lang)}`;
}

export function modelText(l: InvoiceLine, words: InvoiceLabels): string {
  return words.models[l.model] ?? l.model;
}

function amountCell(amount: number, unit: string, lang: string, cls = ""): string {
  return `<td class="num${cls ? ` ${cls}` : ""}" data-amount="${amount}" data-unit="${escapeHtml(unit)}">${escapeHtml(formatAmount(amount, unit, lang))}</td>`;
}

/**
 * A party's own words, isolated from the page's direction: "Hauptstraße 1" in an Arabic invoice
 * must not be reordered into "1 Hauptstraße" (nor a leading "<" moved to the line's end).
 */
function own(text: string): string {
  return `<bdi>${escapeHtml(text)}</bdi>`;
}

function party(p: InvoiceParty, heading: string, w: InvoiceLabels): string {
  const rows = [
    `<strong>${own(p.legalName ?? p.name)}</strong>`,
    ...(p.address ? p.address.split("\n").map(own) : []),
    ...(p.taxId ? [`${escapeHtml(w.taxId)}: ${own(p.taxId)}`] : []),
    ...(p.contact ? [`${escapeHtml(w.contact)}: ${own(p.contact)}`] : []),
    `${escapeHtml(w.node)}: <code>${escapeHtml(p.node)}</code>${p.url ? ` ${own(`(${p.url})`)}` : ""}`,
  ];
  return `<section class="party"><h2>${escapeHtml(heading)}</h2><p>${rows.join("<br>")}</p></section>`;
}

const STYLE = `
body{font-family:system-ui,"Segoe UI","Noto Sans","Noto Sans Arabic",sans-serif;margin:2rem;color:#111}
h1{margin:0 0 .5rem}h2{font-size:1rem;margin:0 0 .25rem}
.parties{display:flex;gap:2rem;margin:1.5rem 0}.party{flex:1}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:start}
td.num,th.num{text-align:end;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:bold;border-top:2px solid #111}
code{font-size:.8em;word-break:break-all}.meta td{border:0;padding:.1rem .5rem .1rem 0}
@media print{body{margin:0}@page{margin:15mm}}`;

/** The whole page. `lang` is one of the invoice languages (labels.ts). */
export function invoiceHtml(inv: Invoice, lang: InvoiceLanguage): string {
  const w = LABELS[lang];
  const kinds: [InvoiceLine["kind"], string][] = [
    ["charge", w.charges],
    ["credit", w.credits],
    ["set-off", w.setOffs],
    ["settlement", w.settlements],
  ];
  const sections = kinds
    .map(([kind, heading]) => {
      const lines = inv.lines.filter((l) => l.kind === kind);
      if (lines.length === 0) return "";
      const rows = lines.map(
        (l) =>
          `<tr data-kind="${kind}"><td>${l.tool ? `<code dir="ltr">${escapeHtml(l.tool)}</code>` : escapeHtml(w.kinds[kind])}</td><td>${escapeHtml(modelText(l, w))}</td>` +
          `<td class="num">${escapeHtml(new Intl.NumberFormat(lang).format(l.quantity))}</td><td class="num">${escapeHtml(new Intl.NumberFormat(lang).format(l.units))}</td>` +
          (l.price === undefined ? "<td></td>" : amountCell(l.price, l.unit, lang, "price")) +
          amountCell(l.amount, l.unit, lang, "amount") +
          "</tr>",
      );
      return (
        `<h2>${escapeHtml(heading)}</h2><table class="lines"><thead><tr><th>${escapeHtml(w.tool)}</th><th>${escapeHtml(w.model)}</th>` +
        `<th class="num">${escapeHtml(w.quantity)}</th><th class="num">${escapeHtml(w.billedUnits)}</th><th class="num">${escapeHtml(w.price)}</th><th class="num">${escapeHtml(w.amount)}</th></tr></thead>` +
        `<tbody>${rows.join("")}</tbody></table>`
      );
    })
    .join("");
  const totals = inv.totals
    .map((t) => {
      const rows = [
        `<tr><td>${escapeHtml(w.charges)}</td>${amountCell(t.charges, t.unit, lang)}</tr>`,
        ...t.taxes.map((x) => `<tr data-tax="${escapeHtml(x.name)}"><td>${escapeHtml(w.tax)}: ${escapeHtml(x.name)} (${escapeHtml(new Intl.NumberFormat(lang, { maximumFractionDigits: 18 }).format(x.percent as unknown as number))} %)</td>${amountCell(x.amount, t.unit, lang)}</tr>`),
        `<tr><td>${escapeHtml(w.credits)}</td>${amountCell(t.credits, t.unit, lang)}</tr>`,
        ...(t.cleared ? [`<tr><td>${escapeHtml(w.setOffs)}</td>${amountCell(t.cleared, t.unit, lang)}</tr>`] : []),
        ...(t.settled ? [`<tr><td>${escapeHtml(w.settlements)}</td>${amountCell(t.settled, t.unit, lang)}</tr>`] : []),
        `<tr class="total"><td>${escapeHtml(w.total)}</td>${amountCell(t.total, t.unit, lang, "total")}</tr>`,
      ];
      return `<table class="totals" data-unit="${escapeHtml(t.unit)}"><thead><tr><th>${escapeHtml(w.currency)}</th><th class="num">${escapeHtml(t.unit)}</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
    })
    .join("");
  const meta = [
    [w.number, inv.label],
    [w.issued, dateOf(inv.issuedAt, lang)],
    [w.period, periodText(inv, lang)],
    [w.recordsUntil, new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }).format(inv.asOf)],
  ];
  return (
    `<!DOCTYPE html>\n<html lang="${lang}" dir="${directionOf(lang)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(`${w.invoice} ${inv.label}`)}</title><style>${STYLE}</style></head>` +
    `<body><h1>${escapeHtml(w.invoice)} <span class="number" data-number="${inv.number}">${escapeHtml(inv.label)}</span></h1>` +
    `<table class="meta"><tbody>${meta.map(([k, v]) => `<tr><td>${escapeHtml(k!)}</td><td>${escapeHtml(v!)}</td></tr>`).join("")}</tbody></table>` +
    `<div class="parties">${party(inv.seller, w.from, w)}${party(inv.buyer, w.to, w)}</div>` +
    (inv.lines.length ? sections : `<p>${escapeHtml(w.noLines)}</p>`) +
    `<h2>${escapeHtml(w.totals)}</h2>${totals}` +
    (inv.note ? `<p class="note">${inv.note.split("\n").map(own).join("<br>")}</p>` : "") +
    `</body></html>\n`
  );
}
