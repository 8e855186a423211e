// An obligation (protocol §16): what one node owes a direct peer in one unit, from the confirmed
// records both hold, with a digest naming exactly which records were counted. Two nodes that hold
// the same records compute the same obligation; a clearing round matches the two copies.
import { sha256Hex } from "../../protocol/encoding/hash.ts";
import type { NetRows } from "../../store/ledger.ts";

export interface Obligation {
  debtor: string;
  creditor: string;
  unit: string;
  amount: number;
  asOf: number;
  /** Hex SHA-256 of the counted records' hashes, sorted, joined with "\n". */
  digest: string;
}

/** `rows.net` is positive when `peer` owes `self`. */
export async function obligationOf(self: string, peer: string, unit: string, asOf: number, rows: NetRows): Promise<Obligation | null> {
  if (rows.net === 0) return null;
  const [debtor, creditor] = rows.net > 0 ? [peer, self] : [self, peer];
  const digest = await sha256Hex([...rows.hashes].sort().join("\n"));
  return { debtor, creditor, unit, amount: Math.abs(rows.net), asOf, digest };
}
