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

export interface MethodView {
  method: string;
  settings: Record<string, string>;
  secret: SecretView;
  updatedAt: number;
}

export interface SecretView {
  set: true;
  last4: string;
}

const secretView = (secret: string): SecretView => ({ set: true, last4: secret.slice(-4) });

export class SettlementMethodStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  /** Seals and stores a method's configuration, replacing any before it; answers what `list` shows of it. */
  async set(method: string, config: MethodConfig): Promise<MethodView> {
    liveSecrets.add(config.secret);
    const secret = await this.box.seal(config.secret, context(method));
    const settings = JSON.stringify(config.settings);
    const secretLast4 = secretView(config.secret).last4;
    const updatedAt = Date.now();
    await this.db
      .insert(settlementMethods)
      .values({ method, secret, secretLast4, settings, updatedAt })
      .onConflictDoUpdate({ target: settlementMethods.method, set: { secret, secretLast4, settings, updatedAt } });
    return { method, settings: config.settings, secret: secretView(config.secret), updatedAt };
  }

  /** The configuration with its secret opened; undefined when the method is not configured. */
  async get(method: string): Promise<MethodConfig | undefined> {
    const [row] = await this.db.select().from(settlementMethods).where(eq(settlementMethods.method, method));
    if (!row) return undefined;
    const secret = await this.box.open(row.secret, context(method));
    liveSecrets.add(secret);
    return { secret, settings: JSON.parse(row.settings) as Record<string, string> };
  }

  /**
   * What the operator sees: which methods are configured, their settings, and of the secret only
   * that it is set and its last four characters (enough to tell two keys apart, as Stripe shows them),
   * stored beside it. Only a row set before that column existed has its secret opened.
   */
  async list(): Promise<MethodView[]> {
    const rows = await this.db.select().from(settlementMethods).orderBy(asc(settlementMethods.method));
    return Promise.all(
      rows.map(async (r) => ({
        method: r.method,
        settings: JSON.parse(r.settings) as Record<string, string>,
        secret: r.secretLast4 === null ? secretView(await this.box.open(r.secret, context(r.method))) : { set: true as const, last4: r.secretLast4 },
        updatedAt: r.updatedAt,
      })),
    );
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
