// The reader's language: a cookie set by the switcher, else Accept-Language, else English; and
// the text, dates and numbers in it.
import { ar } from "./ar.ts";
import { en, type MessageKey } from "./en.ts";

export const LOCALES = { en, ar } as const;
export type LocaleId = keyof typeof LOCALES;
export const LOCALE_COOKIE = "mcpfed_lang";
const RTL: ReadonlySet<LocaleId> = new Set(["ar"]);

export function isLocale(x: string | undefined): x is LocaleId {
  return x !== undefined && Object.hasOwn(LOCALES, x);
}

/** The cookie's choice, else the first supported language of Accept-Language (by q), else English. */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | undefined): LocaleId {
  if (isLocale(cookie)) return cookie;
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .slice(0, 20)
    .map((part) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = Number(params.find((p) => p.trim().startsWith("q="))?.trim().slice(2) ?? 1);
      return { lang: tag.toLowerCase().split("-")[0], q: Number.isFinite(q) ? q : 0 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((x) => x.lang).find(isLocale) ?? "en";
}

export interface Locale {
  id: LocaleId;
  dir: "ltr" | "rtl";
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  number(n: number, digits?: number): string;
  percent(ratio: number): string;
  /** A date and time (ms since the epoch, or an ISO string); "" for none. */
  date(at: number | string | null | undefined): string;
}

// Building Intl formatters costs far more than using them (most of a page's rendering when made
// per request): each locale's are made once per process or isolate, and kept.
const made = new Map<LocaleId, Locale>();

export function localeFor(id: LocaleId): Locale {
  let l = made.get(id);
  if (!l) made.set(id, (l = makeLocale(id)));
  return l;
}

function makeLocale(id: LocaleId): Locale {
  const messages = LOCALES[id];
  const byDigits = new Map<number, Intl.NumberFormat>();
  const digitsFormat = (digits: number) => {
    let f = byDigits.get(digits);
    if (!f) byDigits.set(digits, (f = new Intl.NumberFormat(id, { maximumFractionDigits: digits })));
    return f;
  };
  const numbers = digitsFormat(2);
  const percents = new Intl.NumberFormat(id, { style: "percent", maximumFractionDigits: 1 });
  const dates = new Intl.DateTimeFormat(id, { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });
  return {
    id,
    dir: RTL.has(id) ? "rtl" : "ltr",
    t: (key, vars) =>
      messages[key].replace(/\{(\w+)\}/g, (m, name: string) => {
        const v = vars?.[name];
        return v === undefined ? m : typeof v === "number" ? numbers.format(v) : v;
      }),
    number: (n, digits) => (digits === undefined ? numbers : digitsFormat(digits)).format(n),
    percent: (ratio) => percents.format(ratio),
    date: (at) => {
      if (at === null || at === undefined || at === "") return "";
      const d = new Date(at);
      return Number.isNaN(d.getTime()) ? String(at) : dates.format(d);
    },
  };
}
