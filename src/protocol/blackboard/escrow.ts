// Bounded counter for budgets (escrow; Balegas et al., "Extending eventually consistent cloud
// databases for enforcing numeric invariants", SRDS 2015). The owner allocates the total to
// itself; rights move between nodes by transfers, each a running total signed by the giver; each
// node spends only from the rights it holds in its own view. Every entry only grows and only its
// node writes it, so merge is the pointwise maximum, and a node's view of its own rights is never
// more than its true rights: rights arriving late only add. Summed over nodes, total spent never
// exceeds the allocation, whatever order merges happen in.
import { MAX_AMOUNT } from "./limits.ts";
import { maxEach } from "./counter.ts";

export interface Budget {
  /** giver → receiver → running total moved; `rights[owner][owner]` is the allocation. */
  rights: Record<string, Record<string, number>>;
  /** node → running total spent. */
  spent: Record<string, number>;
}

/** Budgets under one key, by owner: each owner's budget is its own, so no one can take another's over. */
export interface EscrowState {
  type: "escrow";
  budgets: Record<string, Budget>;
}

export type EscrowOp =
  | { type: "escrow"; owner: string; op: "allocate"; total: number }
  | { type: "escrow"; owner: string; op: "transfer"; to: string; total: number }
  | { type: "escrow"; owner: string; op: "spend"; total: number };

export class EscrowRefused extends Error {
  override name = "EscrowRefused";
  constructor(
    readonly code: "insufficient_rights" | "not_owner" | "bad_amount",
    message: string,
  ) {
    super(message);
  }
}

export function escrowFragment(op: EscrowOp, writer: string): EscrowState {
  const budget: Budget = { rights: {}, spent: {} };
  if (op.op === "allocate") budget.rights[op.owner] = { [op.owner]: op.total };
  else if (op.op === "transfer") budget.rights[writer] = { [op.to]: op.total };
  else budget.spent[writer] = op.total;
  return { type: "escrow", budgets: { [op.owner]: budget } };
}

export function mergeEscrows(a: EscrowState, b: EscrowState): EscrowState {
  const budgets: EscrowState["budgets"] = { ...a.budgets };
  for (const [owner, y] of Object.entries(b.budgets)) {
    const x = budgets[owner];
    if (!x) budgets[owner] = y;
    else {
      const rights = { ...x.rights };
      for (const [giver, row] of Object.entries(y.rights)) rights[giver] = maxEach(rights[giver] ?? {}, row);
      budgets[owner] = { rights, spent: maxEach(x.spent, y.spent) };
    }
  }
  return { type: "escrow", budgets };
}

const budgetOf = (s: EscrowState | undefined, owner: string): Budget => s?.budgets[owner] ?? { rights: {}, spent: {} };

export function allocated(s: EscrowState | undefined, owner: string): number {
  return budgetOf(s, owner).rights[owner]?.[owner] ?? 0;
}

export function totalSpent(s: EscrowState | undefined, owner: string): number {
  return Object.values(budgetOf(s, owner).spent).reduce((t, v) => t + v, 0);
}

/** What `node` may still spend or give away, as this replica sees it: a lower bound of the truth. */
export function rightsOf(s: EscrowState | undefined, owner: string, node: string): number {
  const b = budgetOf(s, owner);
  let rights = node === owner ? (b.rights[owner]?.[owner] ?? 0) : 0;
  for (const [giver, row] of Object.entries(b.rights)) if (giver !== node) rights += row[node] ?? 0;
  for (const [receiver, total] of Object.entries(b.rights[node] ?? {})) if (receiver !== node) rights -= total;
  return rights - (b.spent[node] ?? 0);
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new EscrowRefused("bad_amount", `not a positive integer amount: ${amount}`);
}

function checkTotal(total: number): number {
  if (total > MAX_AMOUNT) throw new EscrowRefused("bad_amount", "running total past 2^53 − 1");
  return total;
}

/** The op the owner signs to add `amount` to its budget. */
export function escrowAllocate(s: EscrowState | undefined, owner: string, self: string, amount: number): EscrowOp {
  if (self !== owner) throw new EscrowRefused("not_owner", "only a budget's owner allocates it");
  checkAmount(amount);
  return { type: "escrow", owner, op: "allocate", total: checkTotal(allocated(s, owner) + amount) };
}

/** The op `self` signs to spend `amount`: refused, deciding locally, when its rights do not cover it. */
export function escrowSpend(s: EscrowState | undefined, owner: string, self: string, amount: number): EscrowOp {
  checkAmount(amount);
  const rights = rightsOf(s, owner, self);
  if (amount > rights) throw new EscrowRefused("insufficient_rights", `spending ${amount} needs more than the ${rights} this node holds`);
  return { type: "escrow", owner, op: "spend", total: checkTotal((budgetOf(s, owner).spent[self] ?? 0) + amount) };
}

/** The op `self` (the giver) signs to move `amount` of its rights to `to`. */
export function escrowTransfer(s: EscrowState | undefined, owner: string, self: string, to: string, amount: number): EscrowOp {
  checkAmount(amount);
  if (to === self) throw new EscrowRefused("bad_amount", "a transfer to oneself moves nothing");
  const rights = rightsOf(s, owner, self);
  if (amount > rights) throw new EscrowRefused("insufficient_rights", `giving ${amount} needs more than the ${rights} this node holds`);
  return { type: "escrow", owner, op: "transfer", to, total: checkTotal((budgetOf(s, owner).rights[self]?.[to] ?? 0) + amount) };
}
