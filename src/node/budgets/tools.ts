// The budget tools on /mcp: budget_spend (decided by this node alone; with wait_ms, a spend its
// rights do not cover first asks members for rights), budget_request (rebalancing on demand) and
// budget_remaining. A refusal is a tool error carrying its code: budget_exhausted, bad_request…
import type { CallToolResult, Tool } from "@modelcontextprotocol/server";
import { z } from "zod";
import { budgetRef } from "../../protocol/budgets/budget.ts";
import { MAX_AMOUNT } from "../../protocol/blackboard/limits.ts";
import type { Caller } from "../access/principals/caller.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { BudgetError, type Budgets } from "./budgets.ts";
import { ledgerSpend } from "./ledger-spend.ts";

export const BUDGET_SPEND = "budget_spend";
export const BUDGET_REQUEST = "budget_request";
export const BUDGET_REMAINING = "budget_remaining";
const NAMES = new Set([BUDGET_SPEND, BUDGET_REQUEST, BUDGET_REMAINING]);
/** The longest a spend waits for rights from members. */
export const MAX_WAIT_MS = 10_000;

const amount = z.number().int().min(1).max(MAX_AMOUNT);
const spendArgs = z.strictObject({
  budget: budgetRef,
  amount: amount.optional(),
  /** A relayed call this node made: the spend is its receipt's amount, paid once. */
  record: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  wait_ms: z.number().int().min(0).max(MAX_WAIT_MS).default(0),
});
const requestArgs = z.strictObject({ budget: budgetRef, amount });
const remainingArgs = z.strictObject({ budget: budgetRef });

const budgetSchema = {
  type: "object",
  properties: { owner: { type: "string", description: "The owner's node id." }, task: { type: "string" }, unit: { type: "string", enum: ["tokens", "credit", "calls"] } },
  required: ["owner", "task", "unit"],
};

export const budgetTools: Tool[] = [
  {
    name: BUDGET_SPEND,
    title: "Spend from a budget",
    description:
      "Spends from a federated budget's rights this node holds, decided here without asking anyone. Give an amount, or the id of a relayed call's ledger record to pay its price. With wait_ms, a spend the local rights do not cover first asks the budget's other members for rights; otherwise it is refused with budget_exhausted.",
    inputSchema: {
      type: "object",
      properties: { budget: budgetSchema, amount: { type: "integer", minimum: 1 }, record: { type: "string" }, wait_ms: { type: "integer", minimum: 0, maximum: MAX_WAIT_MS } },
      required: ["budget"],
    },
  },
  {
    name: BUDGET_REQUEST,
    title: "Ask for budget rights",
    description: "Asks the budget's other members for more rights for this node (each gives at most half of what it holds). Returns what was given.",
    inputSchema: { type: "object", properties: { budget: budgetSchema, amount: { type: "integer", minimum: 1 } }, required: ["budget", "amount"] },
  },
  {
    name: BUDGET_REMAINING,
    title: "Budget remaining",
    description: "This node's rights left in a budget (exact), and the budget's allocation and spending as this node has heard them.",
    inputSchema: { type: "object", properties: { budget: budgetSchema }, required: ["budget"] },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
];

export const isBudgetTool = (name: string) => NAMES.has(name);

function result(body: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body, ...(isError ? { isError: true } : {}) };
}

const refusal = (code: string, message: string) => result({ error: { code, message } }, true);

function parsed<T>(schema: z.ZodType<T>, args: unknown): T | CallToolResult {
  const p = schema.safeParse(args ?? {});
  return p.success ? p.data : refusal("bad_request", p.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; "));
}

const isResult = (x: unknown): x is CallToolResult => typeof x === "object" && x !== null && "content" in x;

/** What the budget tools need of the node. */
export interface BudgetToolPorts {
  budgets: Budgets;
  ledger: Pick<Ledger, "get">;
}

export async function callBudgetTool(s: BudgetToolPorts, caller: Caller, name: string, args: unknown): Promise<CallToolResult> {
  try {
    if (name === BUDGET_REMAINING) {
      const a = parsed(remainingArgs, args);
      return isResult(a) ? a : result({ ...(await s.budgets.view(a.budget)) });
    }
    if (name === BUDGET_REQUEST) {
      const a = parsed(requestArgs, args);
      if (isResult(a)) return a;
      const granted = await s.budgets.request(a.budget, a.amount);
      return result({ granted, remaining: (await s.budgets.view(a.budget)).remaining });
    }
    const a = parsed(spendArgs, args);
    if (isResult(a)) return a;
    const due = a.record ? await ledgerSpend(s, a.budget, a.record) : a.amount;
    if (due === undefined) return refusal("bad_request", "give an amount or a record");
    if (typeof due === "string") return refusal("bad_request", due);
    const by = { principal: caller.id, record: a.record };
    try {
      return result({ ...(await s.budgets.spend(a.budget, due, by)) });
    } catch (err) {
      if (!(err instanceof BudgetError) || err.code !== "budget_exhausted" || a.wait_ms === 0) throw err;
    }
    const { remaining } = await s.budgets.view(a.budget);
    await withTimeout(s.budgets.request(a.budget, due - remaining), a.wait_ms);
    return result({ ...(await s.budgets.spend(a.budget, due, by)) });
  } catch (err) {
    if (err instanceof BudgetError) return refusal(err.code, err.message);
    throw err;
  }
}

/** Waits for `work` at most `ms`; it goes on in the background after that (its transfers are kept when they come). */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
