// Settlement adapters' configuration and payment thresholds on the node's database. A processor's
// secret key is sealed under "settlement/<method>/secret" (src/secrets), opened only in memory and
// registered for redaction, so it is never in a row, a log or an answer in the clear.
import { and, asc, eq } from "drizzle-orm";
import { liveSecrets } from "../secrets/redactor.ts";
import type { SecretBox } from "../secrets/sealed-box.ts";
import type { Database } from "./database.ts";
import { ledgerThresholds, settlementMethods } from "./schema/index.ts";

const context = (method: string) => `settlement/${method}/secret`;

export interface MethodConfig {
  secret: string;
  settings: Record<string, string>;
}

export class SettlementMethodStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  async set(method: string, config: MethodConfig): Promise<void> {
    liveSecrets.add(config.secret);
    const secret = await this.box.seal(config.secret, context(method));
    const settings = JSON.stringify(config.settings);
    await this.db
      .insert(settlementMethods)
      .values({ method, secret, settings })
      .onConflictDoUpdate({ target: settlementMethods.method, set: { secret, settings, updatedAt: Date.now() } });
  }

  /** The configuration with its secret opened; undefined when the method is not configured. */
  async get(method: string): Promise<MethodConfig | undefined> {
    const [row] = await this.db.select().from(settlementMethods).where(eq(settlementMethods.method, method));
    if (!row) return undefined;
    const secret = await this.box.open(row.secret, context(method));
    liveSecrets.add(secret);
    return { secret, settings: JSON.parse(row.settings) as Record<string, string> };
  }

  /** What the operator sees: which methods are configured and their settings, never the secret. */
  async list(): Promise<{ method: string; settings: Record<string, string>; updatedAt: number }[]> {
    const rows = await this.db.select({ method: settlementMethods.method, settings: settlementMethods.settings, updatedAt: settlementMethods.updatedAt }).from(settlementMethods);
    return rows.map((r) => ({ ...r, settings: JSON.parse(r.settings) as Record<string, string> }));
  }

  async remove(method: string): Promise<boolean> {
    return (await this.db.delete(settlementMethods).where(eq(settlementMethods.method, method)).returning({ m: settlementMethods.method })).length > 0;
  }
}

export interface Threshold {
  peer: string;
  unit: string;
  amount: number;
  armed: boolean;
  lastAction: string | null;
}

export class ThresholdStore {
  constructor(private readonly db: Database) {}

  async set(peer: string, unit: string, amount: number): Promise<void> {
    await this.db
      .insert(ledgerThresholds)
      .values({ peer, unit, amount })
      .onConflictDoUpdate({ target: [ledgerThresholds.peer, ledgerThresholds.unit], set: { amount, armed: 1, updatedAt: Date.now() } });
  }

  async remove(peer: string, unit: string): Promise<boolean> {
    const gone = await this.db
      .delete(ledgerThresholds)
      .where(and(eq(ledgerThresholds.peer, peer), eq(ledgerThresholds.unit, unit)))
      .returning({ peer: ledgerThresholds.peer });
    return gone.length > 0;
  }

  async list(): Promise<Threshold[]> {
    const rows = await this.db.select().from(ledgerThresholds).orderBy(asc(ledgerThresholds.peer), asc(ledgerThresholds.unit));
    return rows.map((r) => ({ peer: r.peer, unit: r.unit, amount: r.amount, armed: r.armed === 1, lastAction: r.lastAction }));
  }

  /**
   * Takes an armed threshold for one crossing: true for exactly one caller, however many processes
   * run the tick at once (a conditional update), so a crossing pays or alerts once.
   */
  async take(peer: string, unit: string): Promise<boolean> {
    const taken = await this.db
      .update(ledgerThresholds)
      .set({ armed: 0, updatedAt: Date.now() })
      .where(and(eq(ledgerThresholds.peer, peer), eq(ledgerThresholds.unit, unit), eq(ledgerThresholds.armed, 1)))
      .returning({ peer: ledgerThresholds.peer });
    return taken.length > 0;
  }

  async record(peer: string, unit: string, action: string): Promise<void> {
    await this.db.update(ledgerThresholds).set({ lastAction: action, updatedAt: Date.now() }).where(and(eq(ledgerThresholds.peer, peer), eq(ledgerThresholds.unit, unit)));
  }

  /** Arms a threshold again once the debt is back at or under it. */
  async rearm(peer: string, unit: string): Promise<void> {
    await this.db
      .update(ledgerThresholds)
      .set({ armed: 1, updatedAt: Date.now() })
      .where(and(eq(ledgerThresholds.peer, peer), eq(ledgerThresholds.unit, unit), eq(ledgerThresholds.armed, 0)));
  }
}
