// Federated budgets: create one, give rights to a member, sync now, and the burn-down per task
// and member (this node's own spending exact, the others' as last heard).
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { table } from "../framework/format.ts";
import { whole } from "../framework/option-values.ts";

interface BudgetView {
  budget: { owner: string; task: string; unit: string };
  allocated: number;
  spent: number;
  remaining: number;
  members: { node: string; rights: number; spent: number }[];
}

const amountOf = (v: string | undefined) => {
  const n = whole(v, "amount", 1, Number.MAX_SAFE_INTEGER);
  if (n === undefined) throw new UsageError("give an amount");
  return n;
};

/** `<unit>:<task>` of this node, or `<owner>/<unit>:<task>`. */
function budgetArg(text: string, self: () => Promise<string>) {
  const m = /^(?:(.+)\/)?(tokens|credit|calls):(.+)$/.exec(text);
  if (!m) throw new UsageError("a budget is <unit>:<task> or <owner>/<unit>:<task> (unit: tokens, credit or calls)");
  return (async () => ({ owner: m[1] ?? (await self()), unit: m[2]!, task: m[3]! }))();
}

const burnDown = (b: BudgetView) =>
  [
    `${b.budget.unit}:${b.budget.task} of ${b.budget.owner}: allocated ${b.allocated}, spent ${b.spent}, ${b.remaining} left here`,
    table(["MEMBER", "RIGHTS", "SPENT"], b.members.map((m) => [m.node, String(m.rights), String(m.spent)])),
  ].join("\n");

export const budgetCommands: Command[] = [
  {
    name: "budget list",
    summary: "the budgets this node holds, with their burn-down",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ budgets: BudgetView[] }>("GET", "/budgets");
      show(ctx, body, (b) => (b.budgets.length === 0 ? "no budgets" : b.budgets.map(burnDown).join("\n\n")));
    },
  },
  {
    name: "budget show",
    usage: "<[owner/]unit:task>",
    summary: "one budget's burn-down per member, and this node's latest debits",
    min: 1,
    max: 1,
    run: async (ctx, [text]) => {
      const b = await budgetArg(text!, () => ctx.api.request<{ id: string }>("GET", "/identity").then((x) => x.id));
      const body = await ctx.api.request<BudgetView & { debits: { seq: number; kind: string; amount: number; receiver: string; principal: string; record: string | null }[] }>(
        "GET",
        `/budgets/${seg(b.owner)}/${seg(b.unit)}/${seg(b.task)}`,
      );
      show(ctx, body, (v) => `${burnDown(v)}\n\n${table(["SEQ", "KIND", "AMOUNT", "TO", "BY", "RECORD"], v.debits.map((d) => [String(d.seq), d.kind, String(d.amount), d.receiver || "-", d.principal || "operator", d.record ?? "-"]))}`);
    },
  },
  {
    name: "budget create",
    usage: "<unit:task> <amount>",
    summary: "allocate <amount> to this node's budget for a task (creating it, or adding to it)",
    min: 2,
    max: 2,
    run: async (ctx, [text, amount]) => {
      const m = /^(tokens|credit|calls):(.+)$/.exec(text!);
      if (!m) throw new UsageError("a budget is <unit>:<task> (unit: tokens, credit or calls)");
      const body = await ctx.api.request<BudgetView>("POST", "/budgets", { unit: m[1], task: m[2], amount: amountOf(amount) });
      show(ctx, body, burnDown);
    },
  },
  {
    name: "budget transfer",
    usage: "<[owner/]unit:task> <node id> <amount>",
    summary: "give <amount> of this node's rights in a budget to another node, signed by this node",
    min: 3,
    max: 3,
    run: async (ctx, [text, to, amount]) => {
      const budget = await budgetArg(text!, () => ctx.api.request<{ id: string }>("GET", "/identity").then((x) => x.id));
      const body = await ctx.api.request<BudgetView>("POST", "/budgets/transfer", { budget, to, amount: amountOf(amount) });
      show(ctx, body, burnDown);
    },
  },
  {
    name: "budget charge",
    usage: "<principal> <[owner/]unit:task>",
    summary: "pay <principal>'s relayed calls from a budget: checked before each call, debited by its record after",
    min: 2,
    max: 2,
    run: async (ctx, [principal, text]) => {
      const budget = await budgetArg(text!, () => ctx.api.request<{ id: string }>("GET", "/identity").then((x) => x.id));
      const body = await ctx.api.request<{ principal: string }>("PUT", `/budgets/charges/${seg(principal!)}`, { budget });
      show(ctx, body, () => `${principal}'s relayed calls are paid from ${budget.unit}:${budget.task} of ${budget.owner}`);
    },
  },
  {
    name: "budget uncharge",
    usage: "<principal>",
    summary: "stop paying <principal>'s relayed calls from a budget",
    min: 1,
    max: 1,
    run: async (ctx, [principal]) => {
      await ctx.api.request("DELETE", `/budgets/charges/${seg(principal!)}`);
      show(ctx, { principal }, () => `${principal}'s calls are paid from no budget`);
    },
  },
  {
    name: "budget charges",
    summary: "which budget pays each principal's relayed calls",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ charges: { principal: string; budget: BudgetView["budget"] }[] }>("GET", "/budgets/charges");
      show(ctx, body, (b) => (b.charges.length === 0 ? "no principal is charged to a budget" : table(["PRINCIPAL", "BUDGET", "OWNER"], b.charges.map((x) => [x.principal, `${x.budget.unit}:${x.budget.task}`, x.budget.owner]))));
    },
  },
  {
    name: "budget sync",
    summary: "sync every budget with its members now (the tick does it too)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ budgets: number; synced: number; failed: number }>("POST", "/budgets/sync");
      show(ctx, body, (b) => `${b.budgets} budgets: ${b.synced} syncs, ${b.failed} failed`);
    },
  },
];
