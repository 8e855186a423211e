// The last audit entry the tick verified, kept in the store so that a cold process's check starts
// there instead of walking the whole chain. It carries an HMAC under the audit key: a store writer
// without NODE_SEED cannot move it past entries no one verified (an appended row the walk never
// checked, say). An older head is harmless: the check then walks more.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Database } from "../../../store/database.ts";
import { getMark, setMark } from "../../../store/alerts.ts";
import { sameSecret } from "../../../secrets/token-secrets.ts";
import type { VerifiedHead } from "./audit-trail.ts";

const MARK = "audit_head";

interface SealedHead {
  seq: number;
  hash: string;
  mac: string;
}

function macOf(key: Uint8Array, head: VerifiedHead): string {
  return bytesToHex(hmac(sha256, key, new TextEncoder().encode(`mcpfed audit head v1\n${head.seq}\n${head.hash}`)));
}

/** The stored head if its MAC holds; undefined when none is stored or it was not written with this key. */
export async function readVerifiedHead(db: Database, key: Uint8Array): Promise<VerifiedHead | undefined> {
  const held = await getMark<Partial<SealedHead>>(db, MARK);
  if (!held || typeof held.seq !== "number" || typeof held.hash !== "string" || typeof held.mac !== "string") return undefined;
  const head = { seq: held.seq, hash: held.hash };
  return (await sameSecret(held.mac, macOf(key, head))) ? head : undefined;
}

export async function writeVerifiedHead(db: Database, key: Uint8Array, head: VerifiedHead): Promise<void> {
  await setMark(db, MARK, { ...head, mac: macOf(key, head) });
}
