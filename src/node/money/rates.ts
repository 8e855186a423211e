// Conversion rates the operator sets (from, to, rate, day, source), for the reporting-currency
// column of reports only: balances, invoices' totals and clearing never convert (each runs per unit).
import { z } from "zod";
import { DECIMAL } from "../../protocol/ledger/currencies.ts";
import { currencyUnit } from "../../protocol/ledger/pricing.ts";
import type { Database } from "../../store/database.ts";
import { listRates, rateOn, removeRate, setRate, type ConversionRate } from "../../store/money.ts";

export type { ConversionRate };

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a day, YYYY-MM-DD")
  .refine((d) => !Number.isNaN(Date.parse(d)) && new Date(Date.parse(d)).toISOString().slice(0, 10) === d, "no such day");

export const rateInput = z
  .object({
    from: currencyUnit,
    to: currencyUnit,
    /** Major units of `to` for one major unit of `from` (a custom unit's major unit is its step). */
    rate: z
      .string()
      .regex(DECIMAL, "a decimal number such as 1.0842")
      .refine((r) => /[1-9]/.test(r), "greater than 0"),
    date: day,
    source: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^\p{Cc}]*$/u, "no control characters"),
  })
  .strict()
  .refine((r) => r.from !== r.to, "from and to differ");

export const rateKey = z.object({ from: currencyUnit, to: currencyUnit, date: day }).strict();

export const setConversionRate = (db: Database, r: ConversionRate) => setRate(db, r);
export const conversionRates = (db: Database, filter?: { from?: string; to?: string }) => listRates(db, filter);
export const removeConversionRate = (db: Database, key: z.infer<typeof rateKey>) => removeRate(db, key);

/**
 * The rate a report uses for `from` → `to` at the end of a bucket: the latest one dated on or before
 * that day. Only a rate set in that direction counts: an inverse is not derived (its rounding
 * would be the report's, not the source's).
 */
export async function rateFor(db: Database, from: string, to: string, atMs: number): Promise<ConversionRate | undefined> {
  return rateOn(db, from, to, new Date(atMs).toISOString().slice(0, 10));
}
