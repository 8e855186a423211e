// Holding peers' backups (docs/protocol.md §19.2): a deposit from an active peer is checked
// (the statement's signature by the peer's card key, the file's own signature) and kept with the
// peer's newest copies, at most BACKUP_HOLD_COPIES and BACKUP_HOLD_MAX_BYTES per peer; a larger
// file comes in parts, staged until the last. A fetch answers only the asker's own newest copy.
// This node keeps ciphertext: it learns sizes and times.
import {
  checkPart,
  decodePart,
  DepositError,
  verifyFile,
  type BackupDepositPartResult,
  type BackupDepositRequest,
  type BackupDepositResult,
  type BackupFetchRequest,
  type BackupFetchResult,
} from "../../protocol/backup/deposit.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import type { Primitives } from "../../protocol/identity/primitives.ts";
import type { Database } from "../../store/database.ts";
import {
  copiesOf,
  dropStaged,
  heldSummaries,
  keepCopy,
  newestCopy,
  partAt,
  partsOf,
  stageCopy,
  stagedCopy,
  stagePart,
  type HeldCopyRow,
  type HeldPart,
  type HeldSummary,
} from "../../store/held-backups.ts";
import { getPeer } from "../../store/peers.ts";
import type { Config } from "../settings/config.ts";

export interface HoldingParts {
  db: Database;
  config: Pick<Config, "backup">;
  identity: () => Promise<{ nodeId: string; primitives: Primitives }>;
  now: () => number;
}

/**
 * Keeps a deposit from `from` (an authenticated, active peer), or one part of it, or throws a
 * DepositError. Parts are staged in order; the file is checked whole when its last part comes,
 * and a staged copy that fails goes.
 */
export async function holdDeposit(s: HoldingParts, from: string, d: BackupDepositRequest): Promise<BackupDepositResult | BackupDepositPartResult> {
  const { holdMaxBytes } = s.config.backup;
  if (holdMaxBytes === 0) throw new DepositError("not_holding", "this node holds no backups for peers (BACKUP_HOLD_MAX_BYTES is 0)");
  if (d.bytes > holdMaxBytes) throw new DepositError("deposit_too_large", `the copy is ${d.bytes} bytes; this node holds at most ${holdMaxBytes} per peer`);
  const self = await s.identity();
  if (d.holder !== self.nodeId) throw new DepositError("bad_deposit", `the deposit is for holder ${d.holder}, not this node`);
  const peer = await getPeer(s.db, from);
  if (peer?.state !== "active") throw new DepositError("bad_deposit", `${from} is not an active peer`);
  const part = decodePart(d.file);
  const offset = d.offset ?? 0;
  const { last } = checkPart(offset, part.length, d.bytes);
  const held = await copiesOf(s.db, from);
  if (held.length && d.seq <= held[0]!.seq) throw new DepositError("stale_sequence", `sequence ${d.seq} is not above ${held[0]!.seq}, the newest held`);
  const row = { depositor: from, seq: d.seq, bytes: d.bytes, signature: d.signature, received: s.now() };
  const stored = { offset, bytes: part.length, data: d.file };
  const key = await signingKey(self.primitives, peer.card.keys.sig.pub);
  const verify = (file: Uint8Array) => verifyFile(file, d, { depositor: from, holder: self.nodeId, verify: (sig, m, c) => key.verify(sig, m, c) });
  if (offset === 0 && last) {
    await verify(part);
    return keep(s, row, stored, held, false);
  }
  if (offset === 0) {
    await stageCopy(s.db, row, stored);
    return { type: "backup-deposit-part", seq: d.seq, received: part.length };
  }
  const staged = await stagedCopy(s.db, from);
  if (!staged || staged.seq !== d.seq || staged.bytes !== d.bytes || staged.signature !== d.signature || staged.staged !== offset) {
    throw new DepositError("bad_deposit", `no staged copy ${d.seq} awaits a part at byte ${offset}: start again from offset 0`);
  }
  if (!last) {
    await stagePart(s.db, from, d.seq, stored);
    return { type: "backup-deposit-part", seq: d.seq, received: offset + part.length };
  }
  const file = new Uint8Array(d.bytes);
  for (const p of await partsOf(s.db, from, d.seq)) file.set(decodePart(p.data), p.offset);
  file.set(part, offset);
  try {
    await verify(file);
  } catch (err) {
    if (err instanceof DepositError) await dropStaged(s.db, from);
    throw err;
  }
  return keep(s, { ...row, received: staged.received }, stored, held, true);
}

/** Keeps a verified copy with the depositor's newest others that fit beside it; the rest go in the same batch. */
async function keep(s: HoldingParts, row: HeldCopyRow, last: HeldPart, held: { seq: number; bytes: number }[], staged: boolean): Promise<BackupDepositResult> {
  const { holdMaxBytes, holdCopies } = s.config.backup;
  let bytes = row.bytes;
  const kept: number[] = [];
  const drop: number[] = [];
  for (const c of held) {
    if (kept.length + 1 < holdCopies && bytes + c.bytes <= holdMaxBytes) {
      kept.push(c.seq);
      bytes += c.bytes;
    } else drop.push(c.seq);
  }
  await keepCopy(s.db, row, last, drop, staged);
  return { type: "backup-deposit", seq: row.seq, copies: kept.length + 1, heldBytes: bytes };
}

/** The newest copy held for `from`, the authenticated asker, from `offset`: nobody is answered another's. */
export async function fetchHeld(s: HoldingParts, from: string, request: BackupFetchRequest = { type: "backup-fetch" }): Promise<BackupFetchResult> {
  const row = await newestCopy(s.db, from);
  if (!row) throw new DepositError("no_deposit", "this node holds no backup of yours");
  const offset = request.offset ?? 0;
  const part = await partAt(s.db, from, row.seq, offset);
  if (!part) throw new DepositError("bad_deposit", `no part of copy ${row.seq} starts at byte ${offset}`);
  return {
    type: "backup-fetch",
    depositor: from,
    holder: (await s.identity()).nodeId,
    copy: { seq: row.seq, bytes: row.bytes, file: part.data, signature: row.signature },
    received: row.received,
    ...(offset ? { offset } : {}),
  };
}

/** What this node holds for peers: per depositor, copies, bytes and times. */
export function heldForPeers(s: { db: Database }): Promise<HeldSummary[]> {
  return heldSummaries(s.db);
}
