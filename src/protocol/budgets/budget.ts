// A federated budget (protocol §17, "Budgets"): an escrow value (./blackboard/escrow.ts) under the
// key `<unit>:<task>` of its owner's namespace `<owner>/budgets`. Rights are counted only along
// transfers from the owner: a node is a member once a member gave it rights, and a delta written
// by anyone else counts for nothing, so a node that was never given rights cannot make any.
import { z } from "zod";
import { escrowFragment, mergeEscrows, type EscrowState } from "../blackboard/escrow.ts";
import type { UnsignedDelta } from "../blackboard/delta.ts";
import { NODE_ID_PATTERN } from "../identity/node-id.ts";

export const BUDGET_UNITS = ["tokens", "credit", "calls"] as const;
export type BudgetUnit = (typeof BUDGET_UNITS)[number];

export const TASK_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
/** Members of one budget, and budgets one node holds for others: both bound what strangers can grow. */
export const MAX_BUDGET_MEMBERS = 32;
/** The nodes one member may give rights to. */
export const MAX_RECEIVERS_PER_GIVER = 16;
export const MAX_HELD_BUDGETS = 1024;

export const budgetRef = z.strictObject({
  owner: z.string().regex(new RegExp(`^${NODE_ID_PATTERN}$`), "a node id"),
  task: z.string().regex(new RegExp(`^${TASK_PATTERN}$`), "a task name"),
  unit: z.enum(BUDGET_UNITS),
});
export type BudgetRef = z.infer<typeof budgetRef>;

export const budgetNamespace = (owner: string) => `${owner}/budgets`;
export const budgetKey = (r: Pick<BudgetRef, "task" | "unit">) => `${r.unit}:${r.task}`;

const keyPattern = new RegExp(`^(${BUDGET_UNITS.join("|")}):(${TASK_PATTERN})$`);

/** The budget a namespace and key name, or undefined when they name none. */
export function budgetAt(namespace: string, key: string): BudgetRef | undefined {
  if (!namespace.endsWith("/budgets")) return undefined;
  const m = keyPattern.exec(key);
  const parsed = budgetRef.safeParse({ owner: namespace.slice(0, -"/budgets".length), task: m?.[2], unit: m?.[1] });
  return parsed.success ? parsed.data : undefined;
}

/** Whether a delta is a budget's: an escrow op of the namespace's owner, under a budget key. */
export function isBudgetDelta(d: UnsignedDelta): boolean {
  const ref = budgetAt(d.namespace, d.key);
  return ref !== undefined && d.op.type === "escrow" && d.op.owner === ref.owner;
}

/** The owner, then every node some member gave rights to, to a fixed point. */
export function membersOf(owner: string, deltas: readonly UnsignedDelta[]): Set<string> {
  const members = new Set([owner]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of deltas) {
      if (d.op.type !== "escrow" || d.op.op !== "transfer" || d.op.total <= 0) continue;
      if (members.has(d.writer) && !members.has(d.op.to)) {
        members.add(d.op.to);
        grew = true;
      }
    }
  }
  return members;
}

/** The budget's state as the deltas of its members make it: what rights and spending are read from. */
export function countedState(owner: string, deltas: readonly UnsignedDelta[]): EscrowState {
  const members = membersOf(owner, deltas);
  let state: EscrowState = { type: "escrow", budgets: {} };
  for (const d of deltas) {
    if (d.op.type !== "escrow" || d.op.owner !== owner || !members.has(d.writer)) continue;
    state = mergeEscrows(state, escrowFragment(d.op, d.writer));
  }
  return state;
}
