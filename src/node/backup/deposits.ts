// Depositing this node's backup at trusted peers (docs/protocol.md §19.2): each holder named by
// BACKUP_PEERS gets the sealed file with a statement signed for it alone. Holders learn the
// file's size and when it came; the rows are sealed under NODE_SEED.
import { backupDepositResult, DepositError, signDeposit } from "../../protocol/backup/deposit.ts";
import { listPeers } from "../../store/peers.ts";
import type { FederationClient } from "../federation-client/client.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import { readBackup } from "../../store/backup-archive.ts";
import type { BackupParts } from "./backups.ts";

export interface DepositParts extends BackupParts {
  federation: Pick<FederationClient, "callActive">;
}

export type DepositOutcome = { holder: string; seq: number; copies: number; heldBytes: number } | { holder: string; error: { code: string; message: string } };

/** The peers that hold this node's backups: none, every active peer, or those BACKUP_PEERS names. */
async function holders(s: DepositParts): Promise<string[]> {
  const chosen = s.config.backup.peers;
  if (chosen === "off") return [];
  if (chosen !== "all-approved") return chosen;
  return (await listPeers(s.db)).filter((p) => p.state === "active").map((p) => p.nodeId);
}

/**
 * Deposits `file` at every holder, one after another (a backup is up to 640 KiB), and says how
 * each went; one holder's refusal or absence does not stop the others.
 */
export async function depositAtPeers(s: DepositParts, file: Uint8Array): Promise<DepositOutcome[]> {
  const id = await s.identity();
  // The depositor's clock in milliseconds: above any earlier deposit's, also after a recovery.
  const seq = Date.now();
  const out: DepositOutcome[] = [];
  for (const holder of await holders(s)) {
    try {
      const request = await signDeposit(file, { depositor: id.nodeId, holder, seq, sign: (m, c) => id.signing.signer.sign(m, c) });
      const kept = await s.federation.callActive(holder, "backup-deposit", request, backupDepositResult);
      out.push({ holder, seq: kept.seq, copies: kept.copies, heldBytes: kept.heldBytes });
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
