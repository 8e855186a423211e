// Recovering a node that kept only its NODE_SEED (docs/protocol.md §19.2): from each peer URL the
// operator gives (an empty node knows none), fetch this node's newest deposited copy, check it
// with this node's own key, restore the newest copy that opens, then reconcile the ledger with
// the restored peers, which brings back records made after the backup.
import { backupFetchResult, checkPart, decodePart, DepositError, verifyFile, type BackupFetchResult } from "../../protocol/backup/deposit.ts";
import { BackupError, parseFile, type BackupRefusal } from "../../protocol/backup/file.ts";
import { CardError } from "../../protocol/card/verify.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import { federationPath } from "../../protocol/messages/federation.ts";
import { negotiateVersion, NegotiationError, PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import { toBase64url } from "../../protocol/encoding/bytes.ts";
import { listPeers } from "../../store/peers.ts";
import { CardFetchError, fetchCard } from "../card/fetch.ts";
import type { FederationClient } from "../federation-client/client.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import type { LedgerReconciler, ReconcileReport } from "../ledger/reconciliation.ts";
import type { Outbound } from "../outbound/outbound.ts";
import { assertFresh, restoreBackup, tableHashes, type BackupParts, type Restored } from "./backups.ts";

/** At most this many peer URLs per recovery. */
export const MAX_RECOVERY_PEERS = 8;

export interface RecoveryParts extends BackupParts {
  federation: Pick<FederationClient, "send">;
  outbound: Outbound;
  now: () => number;
  ledgerSync: Pick<LedgerReconciler, "reconcileWith">;
}

/** What one peer gave: a copy (its sequence number and the backup's time), or why not. */
export type CopyOutcome = { url: string; holder?: string; seq?: number; created?: number; error?: { code: string; message: string }; restored?: true };

export interface RecoveryReport {
  copies: CopyOutcome[];
  restored: Restored;
  /** Each backed-up table as restored, before reconciliation changed the ledger. */
  hashes: { name: string; rows: number; sha256: string }[];
  ledger: ({ peer: string } & ({ reconciled: ReconcileReport } | { error: string }))[];
}

/** No peer gave a copy this node could restore; `copies` says why for each. */
export class RecoveryFailed extends Error {
  override name = "RecoveryFailed";
  constructor(
    readonly copies: CopyOutcome[],
    /** A refusal every copy would meet (this node is not fresh), if that is why. */
    readonly reason?: BackupRefusal,
  ) {
    super(reason === "not_fresh" ? "this node already holds data: recover on a node that has only its NODE_SEED" : "no peer gave a backup of this node that opens");
  }
}

const failure = (err: unknown): { code: string; message: string } => {
  if (err instanceof DepositError) return { code: err.reason, message: err.message };
  if (err instanceof BackupError) return { code: err.reason, message: err.message };
  if (err instanceof PeerRequestError) return { code: err.code, message: err.message };
  if (err instanceof CardFetchError) return { code: "unreachable", message: err.message };
  if (err instanceof CardError) return { code: "bad_card", message: err.message };
  if (err instanceof NegotiationError) return { code: "no_common_version", message: err.message };
  throw err;
};

/**
 * A held copy's file, part by part, each asked where the last ended and checked against the part
 * layout and the first answer's copy; not yet verified (the caller checks the whole).
 */
export async function fetchWholeCopy(holder: string, fetchPart: (offset: number) => Promise<BackupFetchResult>): Promise<{ first: BackupFetchResult; whole: Uint8Array }> {
  const first = await fetchPart(0);
  const whole = new Uint8Array(first.copy.bytes);
  for (let at = 0, part = decodePart(first.copy.file); ; ) {
    checkPart(at, part.length, whole.length);
    whole.set(part, at);
    at += part.length;
    if (at === whole.length) return { first, whole };
    const next = await fetchPart(at);
    if (next.copy.seq !== first.copy.seq || next.copy.bytes !== first.copy.bytes) throw new DepositError("bad_deposit", `${holder} replaced the copy while it was being fetched: try again`);
    part = decodePart(next.copy.file);
  }
}

export async function recoverFromPeers(s: RecoveryParts, urls: string[]): Promise<RecoveryReport> {
  // Before any peer is asked: a node holding data is not recovered over.
  await assertFresh(s).catch((err: unknown) => {
    throw err instanceof BackupError ? new RecoveryFailed([], err.reason) : err;
  });
  const id = await s.identity();
  const own = await signingKey(id.primitives, toBase64url(id.signing.signer.publicKey));
  const verify = (sig: Uint8Array, m: Uint8Array, c: string) => own.verify(sig, m, c);
  const copies: (CopyOutcome & { file?: Uint8Array })[] = [];
  for (const url of urls.slice(0, MAX_RECOVERY_PEERS)) {
    try {
      const { card } = await fetchCard(url, { primitives: id.primitives, outbound: s.outbound, now: s.now(), skew: s.config.clockSkewSeconds });
      const version = negotiateVersion(PROTOCOL_VERSIONS, card.versions);
      const fetchFrom = async (offset: number) => {
        const payload = { type: "backup-fetch" as const, ...(offset ? { offset } : {}) };
        const got = await s.federation.send({ card, version, path: federationPath(version, "backup-fetch"), payload, result: backupFetchResult });
        if (got.depositor !== id.nodeId || got.holder !== card.id) throw new DepositError("bad_deposit", `${card.id} answered with a copy for ${got.depositor} held by ${got.holder}`);
        if ((got.offset ?? 0) !== offset) throw new DepositError("bad_deposit", `${card.id} answered a part at ${got.offset ?? 0}, not ${offset}`);
        return got;
      };
      const { first: got, whole } = await fetchWholeCopy(card.id, fetchFrom);
      const file = await verifyFile(whole, got.copy, { depositor: id.nodeId, holder: card.id, verify });
      copies.push({ url, holder: card.id, seq: got.copy.seq, created: parseFile(file).header.created, file });
    } catch (err) {
      copies.push({ url, error: failure(err) });
    }
  }
  // Newest backup first; a copy that does not open gives way to the next.
  const candidates = copies.filter((c) => c.file).sort((a, b) => b.created! - a.created! || b.seq! - a.seq!);
  let restored: Restored | undefined;
  for (const c of candidates) {
    try {
      restored = await restoreBackup(s, new Blob([c.file! as BlobPart]).stream(), { replace: false, now: s.now() });
      c.restored = true;
      break;
    } catch (err) {
      if (!(err instanceof BackupError)) throw err;
      c.error = failure(err);
      if (err.reason === "not_fresh") throw new RecoveryFailed(strip(copies), "not_fresh");
    }
  }
  if (!restored) throw new RecoveryFailed(strip(copies));
  const hashes = await tableHashes(s);
  const ledger: RecoveryReport["ledger"] = [];
  for (const peer of (await listPeers(s.db)).filter((p) => p.state === "active")) {
    try {
      ledger.push({ peer: peer.nodeId, reconciled: await s.ledgerSync.reconcileWith(peer.nodeId) });
    } catch (err) {
      ledger.push({ peer: peer.nodeId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { copies: strip(copies), restored, hashes, ledger };
}

const strip = (copies: (CopyOutcome & { file?: Uint8Array })[]): CopyOutcome[] => copies.map(({ file: _file, ...c }) => c);
