// Holding peers' backups (docs/protocol.md §19.2): a deposit from an active peer is checked
// (the statement's signature by the peer's card key, the file's own signature) and kept with the
// peer's newest copies, at most BACKUP_HOLD_COPIES and BACKUP_HOLD_MAX_BYTES per peer; a fetch
// answers only the asker's own newest copy. This node keeps ciphertext: it learns sizes and times.
import { DepositError, verifyCopy, type BackupDepositRequest, type BackupDepositResult, type BackupFetchResult } from "../../protocol/backup/deposit.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import type { Primitives } from "../../protocol/identity/primitives.ts";
import type { Database } from "../../store/database.ts";
import { copiesOf, heldSummaries, keepCopy, newestCopy, type HeldSummary } from "../../store/held-backups.ts";
import { getPeer } from "../../store/peers.ts";
import type { Config } from "../settings/config.ts";

export interface HoldingParts {
  db: Database;
  config: Pick<Config, "backup">;
  identity: () => Promise<{ nodeId: string; primitives: Primitives }>;
  now: () => number;
}

/** Keeps a deposit from `from` (an authenticated, active peer), or throws a DepositError. */
export async function holdDeposit(s: HoldingParts, from: string, d: BackupDepositRequest): Promise<BackupDepositResult> {
  const { holdMaxBytes, holdCopies } = s.config.backup;
  if (holdMaxBytes === 0) throw new DepositError("not_holding", "this node holds no backups for peers (BACKUP_HOLD_MAX_BYTES is 0)");
  if (d.bytes > holdMaxBytes) throw new DepositError("deposit_too_large", `the copy is ${d.bytes} bytes; this node holds at most ${holdMaxBytes} per peer`);
  const self = await s.identity();
  if (d.holder !== self.nodeId) throw new DepositError("bad_deposit", `the deposit is for holder ${d.holder}, not this node`);
  const peer = await getPeer(s.db, from);
  if (peer?.state !== "active") throw new DepositError("bad_deposit", `${from} is not an active peer`);
  const key = await signingKey(self.primitives, peer.card.keys.sig.pub);
  await verifyCopy(d, { depositor: from, holder: self.nodeId, verify: (sig, m, c) => key.verify(sig, m, c) });
  const held = await copiesOf(s.db, from);
  if (held.length && d.seq <= held[0]!.seq) throw new DepositError("stale_sequence", `sequence ${d.seq} is not above ${held[0]!.seq}, the newest held`);
  // The newest copies that fit beside this one stay; the rest go in the same batch.
  let bytes = d.bytes;
  const kept: number[] = [];
  const drop: number[] = [];
  for (const c of held) {
    if (kept.length + 1 < holdCopies && bytes + c.bytes <= holdMaxBytes) {
      kept.push(c.seq);
      bytes += c.bytes;
    } else drop.push(c.seq);
  }
  await keepCopy(s.db, { depositor: from, seq: d.seq, bytes: d.bytes, file: d.file, signature: d.signature, received: s.now() }, drop);
  return { type: "backup-deposit", seq: d.seq, copies: kept.length + 1, heldBytes: bytes };
}

/** The newest copy held for `from`, the authenticated asker: nobody is answered another's. */
export async function fetchHeld(s: HoldingParts, from: string): Promise<BackupFetchResult> {
  const row = await newestCopy(s.db, from);
  if (!row) throw new DepositError("no_deposit", "this node holds no backup of yours");
  return { type: "backup-fetch", depositor: from, holder: (await s.identity()).nodeId, copy: { seq: row.seq, bytes: row.bytes, file: row.file, signature: row.signature }, received: row.received };
}

/** What this node holds for peers: per depositor, copies, bytes and times. */
export function heldForPeers(s: { db: Database }): Promise<HeldSummary[]> {
  return heldSummaries(s.db);
}
