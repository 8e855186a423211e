// The strong log's rows (schema/blackboard-strong.ts). Both writes are conditional in the store,
// so that two isolates of one node can never move a key's log backwards or commit one slot twice.
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { blackboardStrongLog } from "./schema/index.ts";

export interface StrongLogRow {
  namespace: string;
  key: string;
  slot: number;
  hlc: string;
  entry: string;
  acks: string | null;
}

export class StrongLogRepository {
  constructor(private readonly db: Database) {}

  async get(namespace: string, key: string): Promise<StrongLogRow | undefined> {
    const [row] = await this.db
      .select()
      .from(blackboardStrongLog)
      .where(and(eq(blackboardStrongLog.namespace, namespace), eq(blackboardStrongLog.key, key)));
    return row;
  }

  /** At the home: records a committed entry, only as the slot after the stored one. False when another got there first. */
  async commit(row: StrongLogRow): Promise<boolean> {
    const { namespace, key, ...rest } = row;
    const done = await this.db
      .insert(blackboardStrongLog)
      .values(row)
      .onConflictDoUpdate({ target: [blackboardStrongLog.namespace, blackboardStrongLog.key], set: rest, setWhere: sql`excluded.slot = ${blackboardStrongLog.slot} + 1` })
      .returning({ slot: blackboardStrongLog.slot });
    return done.length > 0 && row.slot >= 1 && (done[0]!.slot === row.slot);
  }

  /** At another replica: keeps the entry when it supersedes the stored one (strong-log.ts `supersedes`). */
  async store(row: Omit<StrongLogRow, "acks">): Promise<boolean> {
    const { namespace, key, ...rest } = row;
    const done = await this.db
      .insert(blackboardStrongLog)
      .values({ ...row, acks: null })
      .onConflictDoUpdate({
        target: [blackboardStrongLog.namespace, blackboardStrongLog.key],
        set: { ...rest, acks: null },
        setWhere: sql`excluded.slot > ${blackboardStrongLog.slot} or (excluded.slot = ${blackboardStrongLog.slot} and excluded.hlc > ${blackboardStrongLog.hlc})`,
      })
      .returning({ slot: blackboardStrongLog.slot });
    return done.length > 0;
  }
}
