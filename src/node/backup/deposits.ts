// Depositing this node's backup at trusted peers (docs/protocol.md §19.2): each holder named by
// BACKUP_PEERS gets the sealed file with a statement signed for it alone. Holders learn the
// file's size and when it came; the rows are sealed under NODE_SEED.
import {
  backupDepositPartResult,
  backupDepositResult,
  DepositError,
  signDepositParts,
  type BackupDepositPartResult,
  type BackupDepositResult,
} from "../../protocol/backup/deposit.ts";
import { z } from "zod";
import { listPeers } from "../../store/peers.ts";
import type { FederationClient } from "../federation-client/client.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import { readBackup } from "../../store/backup-archive.ts";
import type { BackupParts } from "./backups.ts";

export interface DepositParts extends BackupParts {
  federation: Pick<FederationClient, "callActive">;
}

export type DepositOutcome = { holder: string; seq: number; copies: number; heldBytes: number } | { holder: string; error: { code: string; message: string } };

const depositAnswer = z.union([backupDepositResult, backupDepositPartResult]);

/** The peers that hold this node's backups: none, every active peer, or those BACKUP_PEERS names. */
async function holders(s: DepositParts): Promise<string[]> {
  const chosen = s.config.backup.peers;
  if (chosen === "off") return [];
  if (chosen !== "all-approved") return chosen;
  return (await listPeers(s.db)).filter((p) => p.state === "active").map((p) => p.nodeId);
}

/**
 * Deposits `file` at every holder, one after another, each in its parts in order (a part is at
 * most 640 KiB), and says how each went; one holder's refusal or absence does not stop the others.
 */
export async function depositAtPeers(s: DepositParts, file: Uint8Array): Promise<DepositOutcome[]> {
  const id = await s.identity();
  // The depositor's clock in milliseconds: above any earlier deposit's, also after a recovery.
  const seq = Date.now();
  const out: DepositOutcome[] = [];
  for (const holder of await holders(s)) {
    try {
      const messages = await signDepositParts(file, { depositor: id.nodeId, holder, seq, sign: (m, c) => id.signing.signer.sign(m, c) });
      let answer: BackupDepositResult | BackupDepositPartResult | undefined;
      for (const message of messages) answer = await s.federation.callActive(holder, "backup-deposit", message, depositAnswer);
      if (answer?.type !== "backup-deposit") throw new DepositError("bad_deposit", `${holder} took the last part without keeping the copy`);
      out.push({ holder, seq: answer.seq, copies: answer.copies, heldBytes: answer.heldBytes });
    } catch (err) {
      if (err instanceof DepositError) out.push({ holder, error: { code: err.reason, message: err.message } });
      else if (err instanceof PeerRequestError) out.push({ holder, error: { code: err.code, message: err.message } });
      else throw err;
    }
  }
  return out;
}

/** Deposits a backup the tick just kept, when BACKUP_PEERS names holders. */
export async function depositKept(s: DepositParts, id: string): Promise<DepositOutcome[]> {
  if (s.config.backup.peers === "off") return [];
  const file = await readBackup(s.db, id);
  return file ? depositAtPeers(s, file) : [];
}
