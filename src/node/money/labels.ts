// The words of an invoice in each language it is rendered in; numbers and dates come from Intl.
export const INVOICE_LANGUAGES = ["en", "de", "ar"] as const;
export type InvoiceLanguage = (typeof INVOICE_LANGUAGES)[number];

/** Languages written right to left, of those above (and Hebrew and Persian, should they be added). */
const RTL = new Set(["ar", "he", "fa"]);

export function directionOf(lang: string): "rtl" | "ltr" {
  return RTL.has(lang) ? "rtl" : "ltr";
}

export interface InvoiceLabels {
  invoice: string;
  number: string;
  issued: string;
  period: string;
  from: string;
  to: string;
  node: string;
  taxId: string;
  contact: string;
  tool: string;
  model: string;
  quantity: string;
  billedUnits: string;
  price: string;
  amount: string;
  charges: string;
  credits: string;
  setOffs: string;
  settlements: string;
  subtotal: string;
  tax: string;
  total: string;
  totals: string;
  currency: string;
  noLines: string;
  recordsUntil: string;
  models: Record<string, string>;
  kinds: Record<"charge" | "credit" | "set-off" | "settlement", string>;
}

const en: InvoiceLabels = {
  invoice: "Invoice",
  number: "Invoice number",
  issued: "Issued",
  period: "Period",
  from: "From",
  to: "To",
  node: "Node",
  taxId: "Tax ID",
  contact: "Contact",
  tool: "Tool",
  model: "Pricing",
  quantity: "Calls",
  billedUnits: "Units",
  price: "Unit price",
  amount: "Amount",
  charges: "Services provided",
  credits: "Services received",
  setOffs: "Set-offs (clearing)",
  settlements: "Payments",
  subtotal: "Subtotal",
  tax: "Tax",
  total: "Balance for the period",
  totals: "Totals",
  currency: "Currency",
  noLines: "No confirmed records in this period.",
  recordsUntil: "Confirmed records up to",
  models: { per_call: "per call", "per_time/second": "per second", "per_time/ms": "per millisecond", subscription: "subscription", grant: "subscription purchase", "set-off": "set-off", settlement: "payment" },
  kinds: { charge: "charge", credit: "credit", "set-off": "set-off", settlement: "payment" },
};

const de: InvoiceLabels = {
  invoice: "Rechnung",
  number: "Rechnungsnummer",
  issued: "Ausgestellt",
  period: "Zeitraum",
  from: "Von",
  to: "An",
  node: "Knoten",
  taxId: "Steuernummer",
  contact: "Kontakt",
  tool: "Werkzeug",
  model: "Preismodell",
  quantity: "Aufrufe",
  billedUnits: "Einheiten",
  price: "Einzelpreis",
  amount: "Betrag",
  charges: "Erbrachte Leistungen",
  credits: "Bezogene Leistungen",
  setOffs: "Verrechnungen (Clearing)",
  settlements: "Zahlungen",
  subtotal: "Zwischensumme",
  tax: "Steuer",
  total: "Saldo des Zeitraums",
  totals: "Summen",
  currency: "Währung",
  noLines: "Keine bestätigten Buchungen in diesem Zeitraum.",
  recordsUntil: "Bestätigte Buchungen bis",
  models: { per_call: "pro Aufruf", "per_time/second": "pro Sekunde", "per_time/ms": "pro Millisekunde", subscription: "Abonnement", grant: "Abonnementkauf", "set-off": "Verrechnung", settlement: "Zahlung" },
  kinds: { charge: "Leistung", credit: "Gutschrift", "set-off": "Verrechnung", settlement: "Zahlung" },
};

const ar: InvoiceLabels = {
  invoice: "فاتورة",
  number: "رقم الفاتورة",
  issued: "تاريخ الإصدار",
  period: "الفترة",
  from: "من",
  to: "إلى",
  node: "العقدة",
  taxId: "الرقم الضريبي",
  contact: "جهة الاتصال",
  tool: "الأداة",
  model: "التسعير",
  quantity: "الاستدعاءات",
  billedUnits: "الوحدات",
  price: "سعر الوحدة",
  amount: "المبلغ",
  charges: "الخدمات المقدمة",
  credits: "الخدمات المستلمة",
  setOffs: "المقاصة",
  settlements: "المدفوعات",
  subtotal: "المجموع الفرعي",
  tax: "الضريبة",
  total: "رصيد الفترة",
  totals: "الإجماليات",
  currency: "العملة",
  noLines: "لا توجد سجلات مؤكدة في هذه الفترة.",
  recordsUntil: "السجلات المؤكدة حتى",
  models: { per_call: "لكل استدعاء", "per_time/second": "لكل ثانية", "per_time/ms": "لكل جزء من الثانية", subscription: "اشتراك", grant: "شراء اشتراك", "set-off": "مقاصة", settlement: "دفعة" },
  kinds: { charge: "رسوم", credit: "رصيد دائن", "set-off": "مقاصة", settlement: "دفعة" },
};

export const LABELS: Record<InvoiceLanguage, InvoiceLabels> = { en, de, ar };
