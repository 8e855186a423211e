// ISO 4217 units and exact money arithmetic: the table agrees with an independent data package,
// amounts become exact decimals, conversion and percentages round half away from zero, and
// formatting follows the locale with exactly the standard's minor units.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { convertAmount, CurrencyError, decimalAmount, formatAmount, isIsoCurrency, ISO_MINOR_UNITS, minorUnits, parseDecimal, percentOf } from "../../src/protocol/ledger/currencies.ts";

const data = createRequire(import.meta.url)("currency-codes/data") as { code: string; digits: number }[];

describe("the ISO 4217 table", () => {
  it("agrees with the currency-codes package on every code it lists, and adds only XCG", () => {
    for (const c of data) expect(ISO_MINOR_UNITS.get(c.code), c.code).toBe(c.digits);
    const extra = [...ISO_MINOR_UNITS.keys()].filter((k) => !data.some((c) => c.code === k));
    expect(extra).toEqual(["XCG"]);
  });

  it("tells fiat from custom units, case and all", () => {
    expect([isIsoCurrency("EUR"), isIsoCurrency("JPY"), isIsoCurrency("eur"), isIsoCurrency("credit"), isIsoCurrency("USD-micro")]).toEqual([true, true, false, false, false]);
    expect([minorUnits("EUR"), minorUnits("JPY"), minorUnits("KWD"), minorUnits("CLF"), minorUnits("credit")]).toEqual([2, 0, 3, 4, 0]);
  });
});

describe("exact amounts", () => {
  it("writes smallest steps as decimals of major units", () => {
    expect(decimalAmount(123450, "EUR")).toBe("1234.50");
    expect(decimalAmount(-5, "EUR")).toBe("-0.05");
    expect(decimalAmount(7, "KWD")).toBe("0.007");
    expect(decimalAmount(Number.MAX_SAFE_INTEGER, "EUR")).toBe("90071992547409.91");
    expect(decimalAmount(42, "JPY")).toBe("42");
    expect(decimalAmount(42, "credit")).toBe("42");
  });

  it("converts at a decimal rate and rounds half away from zero", () => {
    // 10.00 EUR at 1.0842 USD = 10.842 USD → 10.84; 0.05 EUR → 0.054 → 0.05; 1 JPY → 0.0062 EUR → 0.01
    expect(convertAmount(1000, "EUR", "USD", "1.0842")).toBe(1084);
    expect(convertAmount(-1000, "EUR", "USD", "1.0845")).toBe(-1085);
    expect(convertAmount(1, "JPY", "EUR", "0.0062")).toBe(1);
    expect(convertAmount(150, "EUR", "JPY", "160")).toBe(240);
    // A custom unit's step is its major unit: a million usd-micro is one dollar.
    expect(convertAmount(2_500_000, "usd-micro", "USD", "0.000001")).toBe(250);
  });

  it("takes percentages of amounts, rounding half away from zero", () => {
    expect(percentOf(750, "19")).toBe(143); // 142.5
    expect(percentOf(14, "19")).toBe(3); // 2.66
    expect(percentOf(-750, "19")).toBe(-143);
    expect(percentOf(1000, "7.5")).toBe(75);
    expect(percentOf(1, "0")).toBe(0);
  });

  it("refuses what is not a plain positive decimal", () => {
    for (const bad of ["", "1e3", "-1", "1.", ".5", "01", "1,5", "0x10", " 1", "1".repeat(19)]) expect(() => parseDecimal(bad), bad).toThrow(CurrencyError);
    expect(parseDecimal("1.0842")).toEqual({ units: 10842n, scale: 4 });
  });
});

describe("formatting", () => {
  it("uses the locale and the standard's minor units for ISO codes, a plain number for custom units", () => {
    expect(formatAmount(123450, "EUR", "en")).toBe("€1,234.50");
    expect(formatAmount(123450, "EUR", "de")).toBe("1.234,50\u00a0€");
    expect(formatAmount(1234, "JPY", "en")).toBe("¥1,234");
    expect(formatAmount(1234, "KWD", "en", { display: "code" })).toBe("KWD\u00a01.234");
    expect(formatAmount(1234567, "credit", "de")).toBe("1.234.567 credit");
    expect(formatAmount(853, "EUR", "ar")).toMatch(/8[.٫]53/);
  });

  it("loses nothing on amounts beyond double precision's cents", () => {
    expect(formatAmount(Number.MAX_SAFE_INTEGER, "EUR", "en", { display: "code" })).toBe("EUR\u00a090,071,992,547,409.91");
  });
});
