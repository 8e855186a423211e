// Admin API for federated budgets: create (allocate) one, give rights to a member, sync now, and
// read the burn-down per budget and member (this node's own debits exact, the others' as heard).
import { Hono, type Context } from "hono";
import { z } from "zod";
import { fail, readJson } from "./respond.ts";
import { principalId } from "./charged-purchases.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { BudgetError } from "../../node/budgets/budgets.ts";
import { budgetRef, BUDGET_UNITS, TASK_PATTERN } from "../../protocol/budgets/budget.ts";
import { nodeId } from "../../protocol/identity/node-id.ts";
import { MAX_AMOUNT } from "../../protocol/blackboard/limits.ts";

const amount = z.number().int().min(1).max(MAX_AMOUNT);
const allocateInput = z.strictObject({ task: z.string().regex(new RegExp(`^${TASK_PATTERN}$`)), unit: z.enum(BUDGET_UNITS), amount });
const transferInput = z.strictObject({ budget: budgetRef, to: nodeId, amount });
const chargeInput = z.strictObject({ budget: budgetRef });

function refused(c: Context, err: unknown): Response {
  if (!(err instanceof BudgetError)) throw err;
  const code = err.code === "unknown_budget" ? "not_found" : err.code === "budget_exhausted" || err.code === "too_many" ? "conflict" : "invalid_request";
  return fail(c, code, `${err.code}: ${err.message}`);
}

export function budgetAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/budgets", async (c) => c.json({ budgets: await s.budgets.list() }));
  // Which budget pays each principal's relayed calls (protocol §17.9, "Charged calls").
  app.get("/budgets/charges", async (c) => c.json({ charges: await s.charges.list() }));
  app.put("/budgets/charges/:principal", async (c) => {
    const principal = principalId.safeParse(c.req.param("principal"));
    if (!principal.success) return fail(c, "invalid_request", "not a principal id", principal.error.issues);
    const body = await readJson(c, chargeInput);
    if (!body.ok) return body.res;
    await s.charges.set(principal.data, body.value.budget);
    return c.json({ principal: principal.data, budget: body.value.budget });
  });
  app.delete("/budgets/charges/:principal", async (c) => {
    if (!(await s.charges.clear(c.req.param("principal")))) return fail(c, "not_found", "that principal is charged to no budget");
    return c.body(null, 204);
  });
  app.get("/budgets/:owner/:unit/:task", async (c) => {
    const ref = budgetRef.safeParse({ owner: c.req.param("owner"), unit: c.req.param("unit"), task: c.req.param("task") });
    if (!ref.success) return fail(c, "invalid_request", "not a budget", ref.error.issues);
    try {
      return c.json({ ...(await s.budgets.view(ref.data)), debits: await s.budgets.debits(ref.data, 100) });
    } catch (err) {
      return refused(c, err);
    }
  });
  app.post("/budgets", async (c) => {
    const body = await readJson(c, allocateInput);
    if (!body.ok) return body.res;
    try {
      return c.json(await s.budgets.allocate({ owner: s.nodeId, task: body.value.task, unit: body.value.unit }, body.value.amount), 201);
    } catch (err) {
      return refused(c, err);
    }
  });
  app.post("/budgets/transfer", async (c) => {
    const body = await readJson(c, transferInput);
    if (!body.ok) return body.res;
    const { budget, to } = body.value;
    try {
      await s.budgets.transfer(budget, to, body.value.amount, { principal: "" });
    } catch (err) {
      return refused(c, err);
    }
    // The receiver counts the rights once it holds the signed transfer: sent now, else on the tick.
    c.get("defer")(s.budgets.push(to, budget));
    return c.json(await s.budgets.view(budget), 201);
  });
  app.post("/budgets/sync", async (c) => c.json(await s.budgets.syncAll()));
  return app;
}
