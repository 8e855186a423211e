// The audit trail: every authentication failure, grant decision, denial, tool call and admin
// action, appended to one hash chain in the store. Each row's hash is an HMAC (keyed from
// NODE_SEED) over the canonical JSON of the row and the previous row's hash, so editing, removing
// or inserting a row breaks the chain, and rewriting the whole chain needs the seed.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import canonicalize from "canonicalize";
import type { Database } from "../../../store/database.ts";
import { auditHead, auditRowsFrom, insertAuditRows, type AuditDecision, type AuditRow } from "../../../store/access/audit-log.ts";

export { listAudit } from "../../../store/access/audit-log.ts";

export interface AuditEntry {
  /** A principal id, "operator" for the admin API, or "unknown" for a caller that failed to authenticate. */
  actor: string;
  /** Dotted, e.g. "tool.call", "grant.decide", "auth.token", "admin.POST /tokens". */
  action: string;
  target?: string | null;
  decision: AuditDecision;
  reason?: string | null;
  /** Never secrets; tool arguments only when the operator opted in (LOG_ARGUMENTS). */
  details?: Record<string, unknown> | null;
}

const GENESIS = "0".repeat(64);
const BATCH = 50;
/** Entries wait this long for company, so a busy node writes one batch rather than a row per call. */
const FLUSH_AFTER_MS = 20;
const MAX_ATTEMPTS = 200;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Synchronous HMAC: on Node 20 an async WebCrypto call per row cost more than the row's insert.
function rowHash(key: Uint8Array, row: Omit<AuditRow, "hash">): string {
  const body = canonicalize({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    decision: row.decision,
    reason: row.reason,
    details: row.details,
    prevHash: row.prevHash,
  })!;
  return hex(hmac(sha256, key, new TextEncoder().encode(body)));
}

/** A lost race for the head (another writer appended first), or a busy database: try again. */
function retryable(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const text = `${(e as { code?: string }).code ?? ""} ${(e as Error).message ?? ""}`;
    if (/UNIQUE|PRIMARY KEY|SQLITE_CONSTRAINT|SQLITE_BUSY|database is locked/i.test(text)) return true;
  }
  return false;
}

interface Queued {
  entry: AuditEntry;
  at: number;
  done: (err?: unknown) => void;
}

/**
 * Appends entries in order. Writers in one process queue behind each other and go in batches;
 * writers in other processes or isolates race for the head, and the loser re-chains and retries.
 */
export class AuditTrail {
  #queue: Queued[] = [];
  #flushing: Promise<void> | undefined;
  /** The head this process last wrote; read again only after another writer got there first. */
  #head: { seq: number; hash: string } | undefined;

  constructor(
    private readonly db: Database,
    private readonly key: () => Promise<Uint8Array>,
  ) {}

  append(entry: AuditEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ entry, at: Date.now(), done: (err) => (err ? reject(err) : resolve()) });
      this.#flushing ??= new Promise((r) => setTimeout(r, FLUSH_AFTER_MS))
        .then(() => this.#flush())
        .finally(() => (this.#flushing = undefined));
    });
  }

  async #flush(): Promise<void> {
    const key = await this.key();
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, BATCH);
      try {
        await this.#write(key, batch);
        for (const q of batch) q.done();
      } catch (err) {
        for (const q of batch) q.done(err);
      }
    }
  }

  async #write(key: Uint8Array, batch: Queued[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const head = this.#head ?? (await auditHead(this.db));
      let seq = head?.seq ?? 0;
      let prevHash = head?.hash ?? GENESIS;
      const rows: AuditRow[] = [];
      for (const { entry: e, at } of batch) {
        const row = {
          seq: ++seq,
          at,
          actor: e.actor,
          action: e.action,
          target: e.target ?? null,
          decision: e.decision,
          reason: e.reason ?? null,
          details: e.details ?? null,
          prevHash,
        };
        prevHash = rowHash(key, row);
        rows.push({ ...row, hash: prevHash });
      }
      try {
        await insertAuditRows(this.db, rows);
        this.#head = { seq, hash: prevHash };
        return;
      } catch (err) {
        // Whoever won the race moved the head: read it again.
        this.#head = undefined;
        if (!retryable(err) || attempt >= MAX_ATTEMPTS) throw err;
        // Back off a little, more after repeated losses, with jitter so racers fall out of step.
        await new Promise((r) => setTimeout(r, Math.random() * 5 * Math.min(attempt, 20)));
      }
    }
  }
}

export type AuditVerification =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenAt: number; reason: string };

/** A prefix of the chain already verified: its length and the hash of its last entry. */
export interface VerifiedPrefix {
  entries: number;
  head: string;
}

/**
 * Walks the chain and reports the first row that does not hold: from the first row, or, given a
 * verified prefix, from the row after it (checking first that the prefix's last row is unchanged).
 */
export async function verifyAuditTrail(db: Database, key: Uint8Array, from?: VerifiedPrefix): Promise<AuditVerification> {
  let expected = 1;
  let prev = GENESIS;
  if (from && from.entries > 0) {
    const [last] = await auditRowsFrom(db, from.entries, 1);
    if (last?.seq !== from.entries || last.hash !== from.head) {
      return { ok: false, entries: from.entries - 1, brokenAt: from.entries, reason: `entry ${from.entries} changed since it was verified` };
    }
    expected = from.entries + 1;
    prev = from.head;
  }
  const PAGE = 500;
  for (;;) {
    const rows = await auditRowsFrom(db, expected, PAGE);
    for (const r of rows) {
      const broken = (reason: string): AuditVerification => ({ ok: false, entries: expected - 1, brokenAt: r.seq, reason });
      if (r.seq !== expected) return { ok: false, entries: expected - 1, brokenAt: expected, reason: `entry ${expected} is missing` };
      if (r.prevHash !== prev) return broken(`entry ${r.seq} does not follow entry ${r.seq - 1}`);
      const { hash, ...rest } = r;
      if (rowHash(key, rest) !== hash) return broken(`entry ${r.seq} was altered`);
      prev = hash;
      expected++;
    }
    if (rows.length < PAGE) return { ok: true, entries: expected - 1, head: prev };
  }
}
