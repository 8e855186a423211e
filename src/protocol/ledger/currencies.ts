// Currency units as money: a unit that is an ISO 4217 code is a fiat currency with the standard's
// minor units; any other unit (§8.2 syntax: "credit", "usd-micro") is a custom one, counted in
// whole steps. Amounts stay safe integers in the smallest step everywhere; this module only turns
// them into exact decimals, converts them for reports (never for balances or clearing) and formats
// them for people. No floating point touches an amount.

/**
 * ISO 4217 codes by their minor units (the standard's list one; test/protocol/currencies.test.ts
 * checks it against the currency-codes package). Codes whose minor units the standard gives as
 * "N.A." (precious metals, testing, no currency) count 0 here. XCG (Caribbean guilder) entered in
 * 2025, after that package's data; ANG stays while it is still listed.
 */
const BY_MINOR_UNITS: Record<number, string> = {
  0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XAG XAU XBA XBB XBC XBD XDR XOF XPD XPF XPT XSU XTS XUA XXX",
  2:
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY " +
    "COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR " +
    "IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN " +
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB " +
    "TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG",
  3: "BHD IQD JOD KWD LYD OMR TND",
  4: "CLF UYW",
};

export const ISO_MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  Object.entries(BY_MINOR_UNITS).flatMap(([digits, codes]) => codes.split(" ").map((code) => [code, Number(digits)] as const)),
);

/** A fiat unit: exactly an ISO 4217 code, upper case ("usd" and "USD-micro" are custom units). */
export function isIsoCurrency(unit: string): boolean {
  return ISO_MINOR_UNITS.has(unit);
}

/** Decimal places of one major unit: the standard's for an ISO code, 0 for a custom unit. */
export function minorUnits(unit: string): number {
  return ISO_MINOR_UNITS.get(unit) ?? 0;
}

/** An amount of smallest steps as an exact decimal string of major units ("-1234.50" for -123450 EUR). */
export function decimalAmount(amount: number | bigint, unit: string): string {
  const digits = minorUnits(unit);
  const n = BigInt(amount);
  const abs = (n < 0n ? -n : n).toString().padStart(digits + 1, "0");
  const whole = abs.slice(0, abs.length - digits);
  const frac = abs.slice(abs.length - digits);
  return `${n < 0n ? "-" : ""}${whole}${digits ? `.${frac}` : ""}`;
}

export class CurrencyError extends Error {
  override name = "CurrencyError";
}

/** A positive decimal as the operator writes a rate or a percentage: digits, at most one point, ≤ 18 digits each side. */
export const DECIMAL = /^(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$/;

/** A decimal string as an integer over a power of ten: "1.25" → {units: 125n, scale: 2}. */
export function parseDecimal(s: string): { units: bigint; scale: number } {
  if (!DECIMAL.test(s)) throw new CurrencyError(`not a decimal number: ${JSON.stringify(s.slice(0, 40))}`);
  const [whole, frac = ""] = s.split(".");
  return { units: BigInt(whole! + frac), scale: frac.length };
}

/** num / den rounded half away from zero, in integers. */
export function roundedQuotient(num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new CurrencyError("division by a non-positive number");
  const neg = num < 0n;
  const abs = neg ? -num : num;
  const q = (abs * 2n + den) / (den * 2n);
  return neg ? -q : q;
}

/** A safe integer from a bigint, or a typed error: sums that leave the safe range are not amounts. */
export function safeAmount(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) throw new CurrencyError("amount outside the safe integer range");
  return Number(n);
}

/**
 * `amount` smallest steps of `from` in smallest steps of `to`, at `rate` major units of `to` per
 * major unit of `from` (a decimal string), rounded half away from zero. For reports only.
 */
export function convertAmount(amount: number, from: string, to: string, rate: string): number {
  const r = parseDecimal(rate);
  const num = BigInt(amount) * r.units * 10n ** BigInt(minorUnits(to));
  const den = 10n ** BigInt(r.scale + minorUnits(from));
  return safeAmount(roundedQuotient(num, den));
}

/** `percent` (a decimal string) of `amount`, in the same smallest steps, rounded half away from zero. */
export function percentOf(amount: number, percent: string): number {
  const p = parseDecimal(percent);
  return safeAmount(roundedQuotient(BigInt(amount) * p.units, 100n * 10n ** BigInt(p.scale)));
}

export interface FormatOptions {
  /** "symbol" (the default) or "code": a PDF with standard fonts shows "EUR 1,234.50", never "€" or "₹". */
  display?: "symbol" | "code";
}

/**
 * An amount for people, in `locale`: an ISO unit through Intl.NumberFormat with exactly the
 * standard's minor units (from an exact decimal string, so large amounts lose nothing); a custom
 * unit as a plain localized number followed by the unit's name.
 */
export function formatAmount(amount: number, unit: string, locale: string, o: FormatOptions = {}): string {
  if (isIsoCurrency(unit)) {
    const digits = minorUnits(unit);
    const f = new Intl.NumberFormat(locale, { style: "currency", currency: unit, currencyDisplay: o.display ?? "symbol", minimumFractionDigits: digits, maximumFractionDigits: digits });
    // ES2023 Intl: a string is formatted as the exact decimal it spells.
    return f.format(decimalAmount(amount, unit) as unknown as number);
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(amount)} ${unit}`;
}
