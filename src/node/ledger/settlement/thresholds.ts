// Payment thresholds (protocol §16): on the tick, for each threshold the operator set, what this
// node owes the peer in that unit is compared with it. Past it, once per crossing: an adapter that
// can pay pays the whole debt and the settlement goes to the peer; without one, or when paying
// fails, the audit log records an alert for the operator (the error's kind, never a secret).
import type { SettlementMethod } from "../../../protocol/ledger/settlement.ts";
import type { Threshold, ThresholdStore } from "../../../store/settlements.ts";
import type { AuditEntry } from "../../access/audit/audit-trail.ts";
import type { Ledger } from "../ledger.ts";
import type { SettlementAdapter } from "./adapter.ts";
import type { Settled, Settlements } from "./settlements.ts";
import { StripeError } from "./stripe.ts";

export interface ThresholdAction {
  peer: string;
  unit: string;
  owed: number;
  action: "paid" | "alert";
  settlement?: string;
  reason?: string;
}

export interface ThresholdContext {
  self: string;
  ledger: Ledger;
  thresholds: ThresholdStore;
  settlements: Settlements;
  adapter: (method: SettlementMethod) => Promise<SettlementAdapter | undefined>;
  audit: (entry: AuditEntry) => Promise<void>;
  now: () => number;
}

/** The methods the tick may pay through, in order of preference. */
const PAYING: SettlementMethod[] = ["stripe"];

export async function checkThresholds(c: ThresholdContext): Promise<ThresholdAction[]> {
  const out: ThresholdAction[] = [];
  for (const t of await c.thresholds.list()) {
    const o = await c.ledger.obligationWith(t.peer, t.unit, c.now());
    const owed = o && o.debtor === c.self ? o.amount : 0;
    if (owed <= t.amount) {
      if (!t.armed) await c.thresholds.rearm(t.peer, t.unit);
      continue;
    }
    if (!t.armed || !(await c.thresholds.take(t.peer, t.unit))) continue;
    out.push(await act(c, t, owed));
  }
  return out;
}

async function act(c: ThresholdContext, t: Threshold, owed: number): Promise<ThresholdAction> {
  let method: SettlementMethod | undefined;
  for (const m of PAYING) if ((await c.adapter(m))?.pay) method ??= m;
  let reason = "no_paying_adapter";
  if (method) {
    try {
      const settled: Settled = await c.settlements.settle({ peer: t.peer, unit: t.unit, amount: owed, method });
      await c.thresholds.record(t.peer, t.unit, settled.settlement.id);
      await c.audit({ actor: "node", action: "ledger.threshold.paid", target: t.peer, decision: "ok", reason: `paid ${owed} ${t.unit}`, details: { unit: t.unit, threshold: t.amount, owed, settlement: settled.settlement.id, status: settled.status } });
      return { peer: t.peer, unit: t.unit, owed, action: "paid", settlement: settled.settlement.id };
    } catch (err) {
      reason = err instanceof StripeError ? `payment_failed: ${err.kind}` : `payment_failed: ${err instanceof Error ? err.name : "error"}`;
    }
  }
  await c.thresholds.record(t.peer, t.unit, reason);
  await c.audit({ actor: "node", action: "ledger.threshold.alert", target: t.peer, decision: "error", reason, details: { unit: t.unit, threshold: t.amount, owed } });
  return { peer: t.peer, unit: t.unit, owed, action: "alert", reason };
}
