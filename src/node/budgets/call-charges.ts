// Relayed calls paid from a budget (protocol §17.9, "Charged calls"). A principal the operator
// charged to a budget has each relayed call checked against the call's quoted price before it is
// sent, and debited by its ledger record's amount after it. The check holds the quoted amount
// in this process until the debit, so calls running side by side in one process never pass on
// the same rights; the debit names the record, which a budget pays once, whichever process of
// the node pays it (the debit's seq and the record are both unique in the store). A grant bought
// for such a principal (a subscription, an offer, a licence) is checked and debited the same way.
import type { BudgetRef } from "../../protocol/budgets/budget.ts";
import type { Quote } from "../../protocol/ledger/pricing.ts";
import type { Database } from "../../store/database.ts";
import { chargeOf, clearCharge, listCharges, setCharge, type BudgetCharge } from "../../store/budget-charges.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { BudgetError, type Budgets } from "./budgets.ts";
import { ledgerSpend } from "./ledger-spend.ts";

/** What a call paid from a budget, as its answer tells the client. */
export type Charged = { budget: BudgetRef; amount: number; remaining: number } | { budget: BudgetRef; amount: 0; unpaid: string };

/** The quoted amount held for one call until it is debited or released. */
export interface ChargeHold {
  /** Debits the record's amount (once per record); what was paid, or why nothing was. */
  settle(record: string): Promise<Charged>;
  /** Lets the held amount go (always called, after a settle too). */
  release(): void;
}

export type ChargeCheck = { ok: true; hold: ChargeHold | undefined } | ChargeRefusal;
export type ChargeRefusal = { ok: false; code: "budget_exhausted" | "budget_unit"; budget: BudgetRef; message: string };

/** A purchase its buyer's budget cannot pay: thrown before anything is signed or sent. */
export class BudgetRefused extends Error {
  override name = "BudgetRefused";
  readonly code: ChargeRefusal["code"];
  readonly budget: BudgetRef;
  constructor(refusal: ChargeRefusal) {
    super(refusal.message);
    this.code = refusal.code;
    this.budget = refusal.budget;
  }
}

/**
 * The most a call can be known to cost before it runs, in the budget's unit: a per-call price, a
 * grant's, one unit of a per-time price (the rest is known only from the record), nothing for a
 * free call or one under a subscription; a "calls" budget counts every call as 1. A price in
 * another unit cannot be paid from the budget.
 */
export function dueBefore(budget: BudgetRef, price: Quote): number | "other_unit" {
  if (budget.unit === "calls") return 1;
  if (price.model === "free" || price.model === "subscription") return 0;
  return price.unit === budget.unit ? price.amount : "other_unit";
}

export interface CallChargesOptions {
  db: Database;
  budgets: Pick<Budgets, "rights" | "spend">;
  ledger: Pick<Ledger, "get">;
  log?: { warn(event: string, fields?: Record<string, unknown>): void };
}

export class CallCharges {
  readonly #o: CallChargesOptions;
  /** Per budget, the amounts held in this process for calls not yet debited. */
  readonly #held = new Map<string, number>();

  constructor(o: CallChargesOptions) {
    this.#o = o;
  }

  /** The operator charges `principal`'s relayed calls to `budget` from now on (replacing any other). */
  set(principal: string, budget: BudgetRef): Promise<void> {
    return setCharge(this.#o.db, principal, budget);
  }

  /** Whether `principal` was charged to a budget; its calls are not, after. */
  clear(principal: string): Promise<boolean> {
    return clearCharge(this.#o.db, principal);
  }

  list(limit = 1000): Promise<BudgetCharge[]> {
    return listCharges(this.#o.db, limit);
  }

  /** Checks a call (or a grant purchase) `principal` is about to make at `price`: refused, held, or free of any budget (no hold). */
  async check(principal: string, price: Quote): Promise<ChargeCheck> {
    const budget = await chargeOf(this.#o.db, principal);
    if (!budget) return { ok: true, hold: undefined };
    const due = dueBefore(budget, price);
    if (due === "other_unit") return { ok: false, code: "budget_unit", budget, message: `the call is priced in ${"unit" in price ? price.unit : "another unit"}; ${principal}'s calls are paid from a budget in ${budget.unit}` };
    const k = `${budget.owner}/${budget.unit}:${budget.task}`;
    const rights = await this.#o.budgets.rights(budget);
    // No await between this read and the hold: two calls of this process cannot both take the same rights.
    const held = this.#held.get(k) ?? 0;
    if (due > rights - held) return { ok: false, code: "budget_exhausted", budget, message: `the call's price, ${due} ${budget.unit}, is more than the ${Math.max(0, rights - held)} left to this node in budget ${budget.task}` };
    this.#held.set(k, held + due);
    let released = false;
    return {
      ok: true,
      hold: {
        settle: (record) => this.#settle(budget, principal, record),
        release: () => {
          if (released) return;
          released = true;
          const left = (this.#held.get(k) ?? 0) - due;
          if (left > 0) this.#held.set(k, left);
          else this.#held.delete(k);
        },
      },
    };
  }

  async #settle(budget: BudgetRef, principal: string, record: string): Promise<Charged> {
    const due = await ledgerSpend(this.#o, budget, record);
    if (typeof due === "string") return this.#unpaid(budget, record, due);
    if (due === 0) return { budget, amount: 0, remaining: await this.#o.budgets.rights(budget) };
    try {
      const { spent, remaining } = await this.#o.budgets.spend(budget, due, { principal, record });
      return { budget, amount: spent, remaining };
    } catch (err) {
      if (!(err instanceof BudgetError)) throw err;
      // already_paid: another process of this node debited the record first, which is the one debit.
      if (err.code === "already_paid") return { budget, amount: 0, remaining: await this.#o.budgets.rights(budget) };
      return this.#unpaid(budget, record, `${err.code}: ${err.message}`);
    }
  }

  #unpaid(budget: BudgetRef, record: string, why: string): Charged {
    this.#o.log?.warn("budget_charge_unpaid", { owner: budget.owner, task: budget.task, unit: budget.unit, record, why });
    return { budget, amount: 0, unpaid: why };
  }
}
