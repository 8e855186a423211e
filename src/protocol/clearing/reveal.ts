// The end of a round (protocol §16.2 step 5): once both parties of every matched edge have signed
// its set-off, the coordinator hands each participant the preimage and the fully signed set-offs
// of its own edges. Missing one signature, nothing is revealed: the hashlock keeps every signed
// set-off void, so a round clears all of its edges or none.
import type { SignedSetOff } from "../ledger/set-off.ts";
import { edgeKey, setOffOf, type Proposal } from "./proposal.ts";
import type { Round } from "./round.ts";

/** The signatures gathered for one edge, by role. */
export interface EdgeSignatures {
  debtor?: string;
  creditor?: string;
}

export interface Reveal {
  round: string;
  preimage: string;
  setOffs: SignedSetOff[];
}

/**
 * Each participant's reveal, or the edges (edgeKey) still missing a signature. `signatures` is
 * keyed by edgeKey; every edge of every proposal needs both.
 */
export function assembleReveals(r: Round, proposals: ReadonlyMap<string, Proposal>, signatures: ReadonlyMap<string, EdgeSignatures>, preimage: string): { reveals: Map<string, Reveal> } | { missing: string[] } {
  const missing = new Set<string>();
  const reveals = new Map<string, Reveal>();
  for (const [node, p] of proposals) {
    const setOffs: SignedSetOff[] = [];
    for (const e of p.edges) {
      const sig = signatures.get(edgeKey(e));
      if (!sig?.debtor || !sig.creditor) {
        missing.add(edgeKey(e));
        continue;
      }
      setOffs.push({ setOff: setOffOf(r, p, e), sigs: { debtor: sig.debtor, creditor: sig.creditor } });
    }
    reveals.set(node, { round: r.id, preimage, setOffs });
  }
  return missing.size > 0 ? { missing: [...missing].sort() } : { reveals };
}
