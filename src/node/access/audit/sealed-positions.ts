// Positions in the audit chain the tick keeps in the store: the last entry it verified (so that a
// cold process's check starts there instead of walking the whole chain) and where its sweep over
// the older entries stands. Each carries an HMAC under the audit key, so a store writer without
// NODE_SEED cannot move one to a place no walk reached (past an appended row nobody checked, or a
// sweep held past an altered row); it can only put back one the tick wrote before. A position that
// does not verify is read as none: the walk then starts from the first entry, which costs time, never
// a missed break.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Database } from "../../../store/database.ts";
import { getMark, setMark } from "../../../store/alerts.ts";
import { sameSecret } from "../../../secrets/token-secrets.ts";
import type { VerifiedHead } from "./audit-trail.ts";

/** Which position: the verified head, or the sweep's. The name is the mark's and goes into the MAC. */
export type AuditPosition = "audit_head" | "audit_sweep";

function macOf(key: Uint8Array, which: AuditPosition, at: VerifiedHead): string {
  const label = which === "audit_head" ? "mcpfed audit head v1" : "mcpfed audit sweep v1";
  return bytesToHex(hmac(sha256, key, new TextEncoder().encode(`${label}\n${at.seq}\n${at.hash}`)));
}

/** The stored position if its MAC holds; undefined when none is stored or it was not written with this key. */
export async function readAuditPosition(db: Database, key: Uint8Array, which: AuditPosition): Promise<VerifiedHead | undefined> {
  const held = await getMark(db, which);
  if (!held || typeof held.seq !== "number" || typeof held.hash !== "string" || typeof held.mac !== "string") return undefined;
  const at = { seq: held.seq, hash: held.hash };
  return (await sameSecret(held.mac, macOf(key, which, at))) ? at : undefined;
}

export async function writeAuditPosition(db: Database, key: Uint8Array, which: AuditPosition, at: VerifiedHead): Promise<void> {
  await setMark(db, which, { ...at, mac: macOf(key, which, at) });
}
