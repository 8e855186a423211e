// What the vectors of every registry entry kind (agent, trust, forwarding, package entries) are
// built with: admission at the entries' HLC wall time, a live entry signed with every derived form
// after admission and its signature agree, entries admission refuses as malformed (each with its
// detail), and a well-formed entry whose signature alone fails.
import { isRejection, screen, type AdmissionRules } from "../../src/protocol/registry/admission.ts";
import { signingBytes, type UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { signEntry, verifyEntry, type EntrySigner, type EntryVerifier, type Verdict } from "../../src/protocol/registry/signing.ts";
import { agree } from "./common.ts";

/** Admission as a receiver runs it, with its clock at `clockMs`. */
export const admissionAt = (clockMs: number): AdmissionRules => ({ maxEntryBytes: 64 * 1024, clock: new HybridClock(() => clockMs), isBlocked: () => false, checkCard: async () => "no cards here" });

export interface SignedEntryVector {
  name: string;
  unsigned: UnsignedEntry;
  signingBytes: string;
  signed: unknown;
  canonical: string;
  id: string;
}

/** `u` signed by `signer`, once admission admits it and `keyring` finds its signature valid. */
export async function signedEntryVector(kind: string, name: string, u: UnsignedEntry, o: { signer: EntrySigner; rules: AdmissionRules; keyring: EntryVerifier }): Promise<SignedEntryVector> {
  const e = await signEntry(u, o.signer);
  const screened = await screen(JSON.parse(e.canonical), o.rules);
  agree(`${kind} entry "${name}" admitted`, "admitted", isRejection(screened) ? screened.detail : "admitted");
  agree(`${kind} entry "${name}" signature`, "valid", await verifyEntry(e, o.keyring));
  return { name, unsigned: u, signingBytes: new TextDecoder().decode(signingBytes(u)), signed: e.signed, canonical: e.canonical, id: e.id };
}

/** Each entry with a placeholder signature (admission refuses it before any is checked), refused as malformed, with admission's detail. */
export async function refusedEntryVectors(kind: string, unsigned: Record<string, Record<string, unknown>>, rules: AdmissionRules) {
  const refused = [];
  for (const [name, entry] of Object.entries(unsigned)) {
    const signed = { ...entry, sig: "AAAA" };
    const r = await screen(signed, rules);
    agree(`refused ${kind} entry "${name}"`, "malformed", isRejection(r) ? r.reason : "admitted");
    refused.push({ name, entry: signed, reason: "malformed", detail: isRejection(r) ? r.detail : "" });
  }
  return refused;
}

/** The verdict on `entry` (`what`), which admission admits as well-formed and whose signature does not verify. */
export async function badSignatureVerdict(what: string, entry: unknown, rules: AdmissionRules, keyring: EntryVerifier): Promise<Verdict> {
  const screened = await screen(entry, rules);
  if (isRejection(screened)) throw new Error(`${what} should be well-formed: ${screened.detail}`);
  const verdict = await verifyEntry(screened, keyring);
  agree(`${what}'s verdict`, "bad_signature", verdict);
  return verdict;
}
