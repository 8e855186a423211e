// Ledger checkpoints on the node's database: the records a checkpoint of this node's has yet to
// cover, this node's own chain per peer, the peers' checkpoints, and which checkpoint covers
// each record at which leaf. A checkpoint and its leaves are written in one batch, so a record
// is covered by a stored checkpoint or not at all; two isolates making the same seq at once
// cannot both succeed (the primary key), so no fork of this node's chain is ever stored or sent.
import { and, asc, desc, eq, inArray, lt, notInArray, sql } from "drizzle-orm";
import { CHECKPOINT_SUITE } from "../protocol/ledger/suite.ts";
import { chunks, type Database } from "./database.ts";
import { ledgerCheckpointLeaves as leaves, ledgerCheckpoints as cps, ledgerRecords as records } from "./schema/index.ts";

export type CheckpointStatus = "own" | "covered" | "missing" | "root_mismatch";

export interface StoredCheckpoint {
  signer: string;
  peer: string;
  seq: number;
  hash: string;
  /** The signed checkpoint, JCS. */
  checkpoint: string;
  ids: string[];
  status: CheckpointStatus;
  delivered: boolean;
}

/** A peer's claims that could not be matched, kept per signer for the operator; the oldest go first. */
const MAX_UNMATCHED = 16;

function stored(row: typeof cps.$inferSelect): StoredCheckpoint {
  return { ...row, ids: JSON.parse(row.ids) as string[] };
}

export class CheckpointRepository {
  constructor(
    private readonly db: Database,
    private readonly self: string,
  ) {}

  /**
   * Confirmed records with `peer` under the checkpoint suite that no checkpoint of this node's
   * covers yet, oldest first. Confirmed only, on both sides: then both hold every record either
   * covers, and one record the consumer never received (a pending claim) cannot leave the
   * peer unable to rebuild a whole checkpoint. Disputed records are left to the operator.
   */
  async uncovered(peer: string, limit: number): Promise<{ id: string; record: string; completedAt: number }[]> {
    const mine = sql`NOT EXISTS (SELECT 1 FROM ${leaves} WHERE ${leaves.recordId} = ${records.id} AND ${leaves.signer} = ${this.self})`;
    const signed = sql`${records.status} = 'confirmed'`;
    const suite = sql`json_extract(${records.record}, '$.intent.suite') = ${CHECKPOINT_SUITE}`;
    return this.db
      .select({ id: records.id, record: records.record, completedAt: records.completedAt })
      .from(records)
      .where(and(eq(records.peer, peer), signed, suite, mine))
      .orderBy(asc(records.completedAt), asc(records.id))
      .limit(limit);
  }

  /** Peers with records this node has yet to cover. */
  async peersWithUncovered(): Promise<string[]> {
    const mine = sql`NOT EXISTS (SELECT 1 FROM ${leaves} WHERE ${leaves.recordId} = ${records.id} AND ${leaves.signer} = ${this.self})`;
    const signed = sql`${records.status} = 'confirmed'`;
    const suite = sql`json_extract(${records.record}, '$.intent.suite') = ${CHECKPOINT_SUITE}`;
    const rows = await this.db.selectDistinct({ peer: records.peer }).from(records).where(and(signed, suite, mine));
    return rows.map((r) => r.peer);
  }

  /** The newest checkpoint `signer` made for `peer` that this node holds. */
  async latest(signer: string, peer: string): Promise<StoredCheckpoint | undefined> {
    const [row] = await this.db
      .select()
      .from(cps)
      .where(and(eq(cps.signer, signer), eq(cps.peer, peer)))
      .orderBy(desc(cps.seq))
      .limit(1);
    return row && stored(row);
  }

  async get(signer: string, peer: string, seq: number): Promise<StoredCheckpoint | undefined> {
    const [row] = await this.db
      .select()
      .from(cps)
      .where(and(eq(cps.signer, signer), eq(cps.peer, peer), eq(cps.seq, seq)));
    return row && stored(row);
  }

  /**
   * Stores a checkpoint and, when it is this node's own or its root was rebuilt here, the leaf of
   * each record it covers (a record keeps the first checkpoint of each signer that covered it).
   * False when this (signer, peer, seq) is already held: nothing is written then.
   */
  async insert(c: Omit<StoredCheckpoint, "delivered">): Promise<boolean> {
    const row = { signer: c.signer, peer: c.peer, seq: c.seq, hash: c.hash, checkpoint: c.checkpoint, ids: JSON.stringify(c.ids), status: c.status };
    const [held] = await this.db
      .select({ seq: cps.seq })
      .from(cps)
      .where(and(eq(cps.signer, c.signer), eq(cps.peer, c.peer), eq(cps.seq, c.seq)));
    if (held) return false;
    const leafRows = c.status === "own" || c.status === "covered" ? c.ids.map((recordId, leaf) => ({ recordId, signer: c.signer, peer: c.peer, seq: c.seq, leaf })) : [];
    try {
      await this.db.batch([
        this.db.insert(cps).values(row),
        ...chunks(leafRows, 5).map((rows) => this.db.insert(leaves).values(rows).onConflictDoNothing()),
      ]);
    } catch (err) {
      // Another isolate stored this seq first: the primary key refused ours, and the batch with it.
      if ((await this.get(c.signer, c.peer, c.seq)) !== undefined) return false;
      throw err;
    }
    if (c.status !== "own") await this.prune(c.signer, c.peer);
    return true;
  }

  /** Keeps of a peer's chain what records need, its newest checkpoint, and a few unmatched claims. */
  private async prune(signer: string, peer: string): Promise<void> {
    const newest = await this.latest(signer, peer);
    if (!newest) return;
    const used = sql`EXISTS (SELECT 1 FROM ${leaves} WHERE ${leaves.signer} = ${cps.signer} AND ${leaves.peer} = ${cps.peer} AND ${leaves.seq} = ${cps.seq})`;
    await this.db.delete(cps).where(and(eq(cps.signer, signer), eq(cps.peer, peer), eq(cps.status, "covered"), lt(cps.seq, newest.seq), sql`NOT ${used}`));
    const claims = await this.db
      .select({ seq: cps.seq })
      .from(cps)
      .where(and(eq(cps.signer, signer), eq(cps.peer, peer), inArray(cps.status, ["missing", "root_mismatch"])))
      .orderBy(desc(cps.seq));
    const keep = claims.slice(0, MAX_UNMATCHED).map((r) => r.seq);
    if (claims.length > MAX_UNMATCHED) {
      await this.db.delete(cps).where(and(eq(cps.signer, signer), eq(cps.peer, peer), inArray(cps.status, ["missing", "root_mismatch"]), notInArray(cps.seq, keep)));
    }
  }

  /** This node's checkpoints its peers have not answered yet, oldest first. */
  async undelivered(): Promise<StoredCheckpoint[]> {
    return (await this.db.select().from(cps).where(and(eq(cps.status, "own"), eq(cps.delivered, false))).orderBy(asc(cps.peer), asc(cps.seq))).map(stored);
  }

  async markDelivered(peer: string, seq: number): Promise<void> {
    await this.db.update(cps).set({ delivered: true }).where(and(eq(cps.signer, this.self), eq(cps.peer, peer), eq(cps.seq, seq)));
  }

  /** Each signer's checkpoint covering a record, with its leaf. */
  async covering(recordId: string): Promise<{ checkpoint: StoredCheckpoint; leaf: number }[]> {
    const rows = await this.db
      .select({ c: cps, leaf: leaves.leaf })
      .from(leaves)
      .innerJoin(cps, and(eq(cps.signer, leaves.signer), eq(cps.peer, leaves.peer), eq(cps.seq, leaves.seq)))
      .where(eq(leaves.recordId, recordId));
    return rows.map((r) => ({ checkpoint: stored(r.c), leaf: r.leaf }));
  }

  /** How many signers' checkpoints cover each of these records (0, 1 or 2). */
  async coverage(recordIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const chunk of chunks(recordIds, 1)) {
      if (chunk.length === 0) continue;
      const rows = await this.db
        .select({ id: leaves.recordId, n: sql<number>`count(*)` })
        .from(leaves)
        .where(inArray(leaves.recordId, chunk))
        .groupBy(leaves.recordId);
      for (const r of rows) out.set(r.id, Number(r.n));
    }
    return out;
  }
}
