// Invoice PDFs beyond Latin: with the DejaVu files the Node and Deno entry points pass in, German,
// Arabic and Cyrillic invoices are drawn with embedded (subset) fonts, and their text is read back
// through the fonts' ToUnicode maps. Arabic is shaped (a letter's forms differ by position), each
// run in visual order, and the page mirrored.
import { beforeAll, describe, expect, it } from "vitest";
import { invoicePdf, UnsupportedRendering } from "../../../src/node/money/invoice-pdf.ts";
import type { Invoice } from "../../../src/node/money/invoices.ts";
import { LABELS } from "../../../src/node/money/labels.ts";
import type { PdfFonts } from "../../../src/node/settings/platform.ts";
import { visualRuns } from "../../../src/node/money/visual-runs.ts";
import { localPdfFonts } from "../../../src/runtimes/pdf-fonts.ts";
import { inDrawingOrder, inReadingOrder, shown } from "../../support/pdf-text.ts";

const ISSUED = Date.UTC(2026, 10, 30, 12);

function invoice(o: { seller: string; sellerAddress: string; buyer: string; language: string }): Invoice {
  return {
    number: 7,
    label: "INV-000007",
    issuedAt: ISSUED,
    period: { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1), label: "2026-11" },
    asOf: Date.UTC(2026, 11, 1),
    seller: { node: "a".repeat(43), name: "seller", legalName: o.seller, address: o.sellerAddress },
    buyer: { node: "b".repeat(43), name: "buyer", legalName: o.buyer },
    language: o.language,
    lines: [{ kind: "charge", unit: "EUR", tool: "a/everything_get-sum", model: "per_call", price: 150, quantity: 3, units: 3, amount: 450 }],
    totals: [{ unit: "EUR", charges: 450, taxes: [], credits: 0, cleared: 0, settled: 0, total: 450 }],
  };
}

let fonts: PdfFonts;
beforeAll(async () => {
  fonts = await localPdfFonts();
});

describe("invoice PDFs with embedded fonts", () => {
  it("writes a German invoice's umlauts and ß, and the parties' Cyrillic and Greek", async () => {
    const runs = await shown(await invoicePdf(invoice({ seller: "Müller & Söhne GmbH", sellerAddress: "Große Straße 5\nМосква, улица Тверская 7", buyer: "Ηλεκτρονική Α.Ε.", language: "de" }), "de", fonts));
    const texts = runs.map(inDrawingOrder);
    expect(texts).toContain(`${LABELS.de.invoice} INV-000007`);
    expect(texts).toContain("Müller & Söhne GmbH");
    expect(texts).toContain("Große Straße 5");
    expect(texts).toContain("Москва, улица Тверская 7");
    expect(texts).toContain("Ηλεκτρονική Α.Ε.");
    expect(texts.join("\n")).not.toContain("\uFFFD");
  });

  it("writes a Russian party on an English invoice, where the standard fonts printed '?'", async () => {
    const inv = invoice({ seller: "ООО «Ромашка»", sellerAddress: "Санкт-Петербург, Невский проспект 28", buyer: "Example Ltd", language: "en" });
    const texts = (await shown(await invoicePdf(inv, "en", fonts))).map(inDrawingOrder);
    expect(texts).toContain("ООО «Ромашка»");
    expect(texts).toContain("Санкт-Петербург, Невский проспект 28");
  });

  it("writes an Arabic invoice shaped, each run in visual order, the page read from the right", async () => {
    const inv = invoice({ seller: "شركة سلسلة للبرمجيات", sellerAddress: "شارع الملك فهد 12، الرياض", buyer: "Example GmbH", language: "ar" });
    const runs = await shown(await invoicePdf(inv, "ar", fonts));
    const reading = runs.map((r) => inReadingOrder(r).trim());
    expect(reading).toContain(LABELS.ar.invoice);
    expect(reading).toContain("شركة سلسلة للبرمجيات");
    // The heading reads from the right edge: its Arabic word lies right of its number.
    const title = runs.find((r) => inReadingOrder(r).trim() === LABELS.ar.invoice)!;
    const number = runs.find((r) => inDrawingOrder(r) === "INV-000007")!;
    expect(title.x).toBeGreaterThan(number.x);
    expect(title.x).toBeGreaterThan(595.28 / 2);
    // Shaped: in "سلسلة" the first sin is initial and the second medial, two different glyphs
    // for one letter; unshaped, both would be the same isolated glyph.
    const name = runs.find((r) => inReadingOrder(r).trim() === "شركة سلسلة للبرمجيات")!;
    const sin = [...name.glyphs.entries()].filter(([, g]) => g === "س").map(([i]) => name.codes[i]);
    expect(sin).toHaveLength(2);
    expect(new Set(sin).size).toBe(2);
    // Numbers inside Arabic keep their own order: "12" is drawn as 1 then 2.
    expect(runs.some((r) => inDrawingOrder(r) === "12")).toBe(true);
  });

  it("draws Chinese and Japanese with the CJK font where DejaVu has no glyph, in one line with Latin", async () => {
    const inv = invoice({ seller: "上海数据科技有限公司", sellerAddress: "东京都千代田区丸の内1-1 (Tokyo)", buyer: "Example GmbH", language: "en" });
    const bytes = await invoicePdf(inv, "en", fonts);
    const texts = (await shown(bytes)).map(inDrawingOrder);
    expect(texts).toContain("上海数据科技有限公司");
    // The line is cut where the font changes: the CJK font draws the Han and kana, DejaVu the rest.
    expect(texts).toContain("东京都千代田区丸の内");
    expect(texts).toContain("1-1 (Tokyo)");
    expect(texts.join("")).not.toContain("\uFFFD");
    // Without CJK or Hangul text no fallback font is read, nor embedded: same size as with DejaVu alone.
    const latin = invoice({ seller: "Müller GmbH", sellerAddress: "Berlin", buyer: "x", language: "en" });
    const read: string[] = [];
    const counted = { ...fonts, fallbacks: { cjk: () => (read.push("cjk"), fonts.fallbacks!.cjk!()), hangul: () => (read.push("hangul"), fonts.fallbacks!.hangul!()) } };
    const withFallbacks = await invoicePdf(latin, "en", counted);
    const without = await invoicePdf(latin, "en", { ...fonts, fallbacks: undefined });
    expect(read).toEqual([]);
    expect(withFallbacks.length).toBe(without.length);
    // Chinese alone reads the CJK font only.
    await invoicePdf(inv, "en", counted);
    expect(read).toEqual(["cjk"]);
  });

  it("draws Hangul with the Korean font, next to Han from the CJK font and Latin from DejaVu", async () => {
    const inv = invoice({ seller: "한국데이터 주식회사", sellerAddress: "서울특별시 中區 세종대로 110 (Seoul)", buyer: "Example GmbH", language: "de" });
    const read: string[] = [];
    const counted = { ...fonts, fallbacks: { cjk: () => (read.push("cjk"), fonts.fallbacks!.cjk!()), hangul: () => (read.push("hangul"), fonts.fallbacks!.hangul!()) } };
    const texts = (await shown(await invoicePdf(inv, "de", counted))).map(inDrawingOrder);
    expect(read.sort()).toEqual(["cjk", "hangul"]);
    expect(texts).toContain("한국데이터");
    expect(texts).toContain("주식회사");
    expect(texts.join("|")).toContain("서울특별시");
    expect(texts).toContain("中區");
    expect(texts.join("|")).toContain("세종대로");
    expect(texts.join("")).not.toContain("\uFFFD");
  });

  it("refuses Arabic where there are no font files, as before", async () => {
    await expect(invoicePdf(invoice({ seller: "x", sellerAddress: "y", buyer: "z", language: "ar" }), "ar")).rejects.toBeInstanceOf(UnsupportedRendering);
  });
});

describe("visual runs", () => {
  it("orders a right-to-left line's runs from the right, mirrors its brackets, keeps numbers left to right", () => {
    // Logical "فاتورة (7)": drawn left to right as "(", "7", then the Arabic run (mirrored ")" and
    // the word), which fontkit reverses as it shapes it.
    expect(visualRuns("فاتورة (7)", "rtl")).toEqual([
      { text: "(", rtl: true },
      { text: "7", rtl: false },
      { text: "فاتورة )", rtl: true },
    ]);
    expect(visualRuns("Rechnung 7", "ltr")).toEqual([{ text: "Rechnung 7", rtl: false }]);
  });
});
