// The staging rows of a restore in progress (schema/restore-staging.ts): written as the file's
// rows pass their checks, moved into the live tables by replaceFromStaging, dropped on failure.
import { eq, lt } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { restoreStaging } from "./schema/index.ts";

/** A restore's rows older than this are a dead process's: any later restore drops them. */
const ABANDONED_AFTER_SECONDS = 24 * 3600;

export class RestoreStaging {
  private readonly next = new Map<string, number>();
  constructor(
    private readonly db: Database,
    readonly restore: string,
    private readonly started: number,
  ) {}

  /** Drops what restores that never finished left behind. */
  async dropAbandoned(): Promise<void> {
    await this.db.delete(restoreStaging).where(lt(restoreStaging.started, this.started - ABANDONED_AFTER_SECONDS));
  }

  /** Appends rows (canonical JSON arrays) to a table, after the ones staged before, in one batch. */
  async add(tableName: string, rows: string[]): Promise<void> {
    const first = this.next.get(tableName) ?? 0;
    this.next.set(tableName, first + rows.length);
    const values = rows.map((row, i) => ({ restore: this.restore, tableName, seq: first + i, row, started: this.started }));
    const [head, ...rest] = chunks(values, 5).map((part) => this.db.insert(restoreStaging).values(part));
    if (head) await this.db.batch([head, ...rest]);
  }

  async drop(): Promise<void> {
    await this.db.delete(restoreStaging).where(eq(restoreStaging.restore, this.restore));
  }
}
