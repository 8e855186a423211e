// The console's message catalogs and the choice of language.
import { describe, expect, it } from "vitest";
import { ar } from "../../src/http/console/i18n/ar.ts";
import { en } from "../../src/http/console/i18n/en.ts";
import { localeFor, pickLocale } from "../../src/http/console/i18n/locale.ts";

describe("console catalogs", () => {
  it("hold the same keys in English and Arabic, none empty, with the same placeholders", () => {
    expect(Object.keys(ar).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const other = ar[key as keyof typeof en];
      expect(other.trim(), key).not.toBe("");
      expect(other.match(/\{\w+\}/g)?.sort() ?? [], key).toEqual(text.match(/\{\w+\}/g)?.sort() ?? []);
    }
  });

  it("takes the cookie first, then Accept-Language by weight, else English", () => {
    expect(pickLocale("ar", "en-GB")).toBe("ar");
    expect(pickLocale(undefined, "fr-FR,ar-EG;q=0.8,en;q=0.5")).toBe("ar");
    expect(pickLocale(undefined, "en;q=0.2,ar;q=0.9")).toBe("ar");
    expect(pickLocale("xx", "de,fr")).toBe("en");
    expect(pickLocale(undefined, undefined)).toBe("en");
  });

  it("formats numbers and dates per locale, right to left for Arabic", () => {
    const a = localeFor("ar");
    const e = localeFor("en");
    expect(a.dir).toBe("rtl");
    expect(e.dir).toBe("ltr");
    expect(e.number(1234.5)).toBe("1,234.5");
    expect(a.number(1234.5)).toBe(new Intl.NumberFormat("ar", { maximumFractionDigits: 2 }).format(1234.5));
    expect(a.date(0)).not.toBe(e.date(0));
    expect(e.t("overview.window", { minutes: 60 })).toBe("Last 60 minutes");
    expect(a.date(0)).toBe(new Intl.DateTimeFormat("ar", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" }).format(new Date(0)));
    expect(e.date(null)).toBe("");
  });
});
