// The three kinds of ledger record (protocol §8, §16), told apart by shape: a call carries `intent`,
// a set-off `setOff`, a settlement `settlement`. Each is then verified by its own kind's rules.
import { z } from "zod";
import { record } from "./record.ts";
import { setOffRecord } from "./set-off.ts";
import { settlementRecord } from "./settlement.ts";

export type EntryKind = "call" | "set-off" | "settlement";

/** The shape check a transfer applies to each record: which kind it claims to be, nothing more. */
export const entryShape = z.union([
  z.looseObject({ intent: z.unknown() }),
  z.looseObject({ setOff: z.unknown() }),
  z.looseObject({ settlement: z.unknown() }),
]);

/** Every kind, strictly parsed. */
export const ledgerEntry = z.union([record, setOffRecord, settlementRecord]);
export type LedgerEntry = z.infer<typeof ledgerEntry>;

/** The kind a received record claims by its shape; undefined when it claims none. */
export function entryKind(input: unknown): EntryKind | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  if ("intent" in input) return "call";
  if ("setOff" in input) return "set-off";
  if ("settlement" in input) return "settlement";
  return undefined;
}
