// Commands for settlements with peers and payment thresholds (protocol §16). Each is a thin
// client of the admin API (src/http/admin/settlements.ts).
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { clip, fields, table } from "../framework/format.ts";
import { readLocalFile } from "../framework/local-files.ts";

interface SettlementView {
  id: string;
  peer: string;
  side: string;
  status: string;
  reason: string | null;
  settlement: { unit: string; amount: number; method: string; reference: string; paidAt: number };
}

interface MethodView {
  method: string;
  settings: Record<string, string>;
  secret: { set: true; last4: string };
  updatedAt: number;
}

const methodLine = (m: MethodView) => fields([["method", m.method], ["secret key", `set, ending ${m.secret.last4}`], ...Object.entries(m.settings), ["updated", new Date(m.updatedAt).toISOString()]]);

function wholeNumber(value: unknown, what: string, min: number): number {
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${what} wants a whole number of at least ${min}, in the unit's smallest step`);
  return n;
}

export const settlementCommands: Command[] = [
  {
    name: "ledger settle",
    usage: "<peer>",
    summary: "record a payment to a peer made outside the federation, or pay it through Stripe, and send it to the peer",
    details: "--method manual needs --reference (the transfer's reference); --method stripe without --reference pays through the configured Stripe adapter. It counts once the peer confirms it.",
    options: {
      unit: { type: "string", value: "unit", help: "the currency unit" },
      amount: { type: "string", value: "n", help: "how much, in the unit's smallest step" },
      method: { type: "string", value: "manual|stripe", help: "how it was paid" },
      reference: { type: "string", value: "text", help: "the payment's reference (1-200 characters)" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [peer], o) => {
      if (typeof o.unit !== "string") throw new UsageError("--unit is required");
      if (o.method !== "manual" && o.method !== "stripe") throw new UsageError("--method is manual or stripe");
      const body = { peer, unit: o.unit, amount: wholeNumber(o.amount, "--amount", 1), method: o.method, ...(o.reference !== undefined ? { reference: String(o.reference) } : {}) };
      const settled = await ctx.api.request<{ settlement: { id: string }; status: string; note?: string }>("POST", "/ledger/settlements", body);
      show(ctx, settled, (s) => `settlement ${s.settlement.id} ${s.status}${s.note ? `: ${s.note}` : ""}`);
    },
  },
  {
    name: "ledger settlements",
    summary: "list settlements with peers, paid and received, newest first",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ settlements: SettlementView[] }>("GET", "/ledger/settlements");
      show(ctx, body, (b) =>
        table(
          ["ID", "PEER", "SIDE", "STATUS", "AMOUNT", "METHOD", "REFERENCE", "PAID"],
          b.settlements.map((s) => [
            s.id.slice(0, 16),
            clip(s.peer, 24),
            s.side,
            s.reason && s.status === "pending" ? `pending (${s.reason})` : s.status,
            `${s.settlement.amount} ${s.settlement.unit}`,
            s.settlement.method,
            clip(s.settlement.reference, 32),
            new Date(s.settlement.paidAt).toISOString(),
          ]),
        ),
      );
    },
  },
  {
    name: "ledger settlement confirm",
    usage: "<settlement id>",
    summary: "confirm that a peer's payment to this node arrived: countersign its pending settlement",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      if (!/^[0-9a-f]{64}$/.test(id!)) throw new UsageError("a settlement id is 64 hex characters (ledger settlements --json shows them whole)");
      const body = await ctx.api.request<{ record: unknown }>("POST", `/ledger/settlements/${seg(id!)}/confirm`);
      show(ctx, body, () => `settlement ${id} confirmed`);
    },
  },
  {
    name: "ledger stripe set",
    summary: "configure the Stripe adapter: its secret key (sealed at rest, never shown again but for its last four characters) and who pays",
    details: "The key is read from a file (/dev/stdin to pipe it), never from the command line, so it stays out of shell history and process lists. A payer needs --customer and --payment-method; a payee only the key. Setting it again replaces the key and the settings.",
    options: {
      "key-file": { type: "string", value: "path", help: "a file holding the Stripe secret or restricted key (sk_… or rk_…)" },
      customer: { type: "string", value: "cus_…", help: "the Stripe customer this node pays as" },
      "payment-method": { type: "string", value: "pm_…", help: "the customer's saved payment method" },
      destination: { type: "string", value: "acct_…", help: "a Connect account to send the funds to" },
      "api-url": { type: "string", value: "url", help: "another Stripe API base (a test double); Stripe's by default" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      if (typeof o["key-file"] !== "string") throw new UsageError("--key-file is required (the key is never taken from the command line)");
      const secretKey = readLocalFile(o["key-file"]).toString("utf8").trim();
      const optional = { customer: o.customer, paymentMethod: o["payment-method"], destination: o.destination, apiUrl: o["api-url"] };
      const body = { secretKey, ...Object.fromEntries(Object.entries(optional).filter(([, v]) => typeof v === "string")) };
      const set = await ctx.api.request<MethodView>("PUT", "/ledger/settlement-methods/stripe", body);
      show(ctx, set, methodLine);
    },
  },
  {
    name: "ledger stripe show",
    summary: "show the Stripe adapter's configuration: its settings and whether its key is set (last four characters only)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ methods: MethodView[] }>("GET", "/ledger/settlement-methods");
      const stripe = body.methods.find((m) => m.method === "stripe");
      show(ctx, stripe ?? {}, () => (stripe ? methodLine(stripe) : "stripe is not configured"));
    },
  },
  {
    name: "ledger stripe remove",
    summary: "forget the Stripe adapter's key and settings; settlements then take --method manual only",
    min: 0,
    max: 0,
    run: async (ctx) => {
      await ctx.api.request("DELETE", "/ledger/settlement-methods/stripe");
      show(ctx, {}, () => "stripe removed");
    },
  },
  {
    name: "ledger threshold set",
    usage: "<peer> <unit> <amount>",
    summary: "pay a peer (or alert) when what this node owes it in a unit passes an amount; checked on the tick",
    min: 3,
    max: 3,
    run: async (ctx, [peer, unit, amount]) => {
      const body = await ctx.api.request<{ peer: string; unit: string; amount: number }>("PUT", `/ledger/thresholds/${seg(peer!)}/${seg(unit!)}`, { amount: wholeNumber(amount, "<amount>", 0) });
      show(ctx, body, (t) => `threshold for ${t.peer} in ${t.unit}: ${t.amount}`);
    },
  },
  {
    name: "ledger thresholds",
    summary: "list payment thresholds and what their last crossing did",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ thresholds: { peer: string; unit: string; amount: number; armed: boolean; lastAction: string | null }[] }>("GET", "/ledger/thresholds");
      show(ctx, body, (b) => table(["PEER", "UNIT", "AMOUNT", "ARMED", "LAST"], b.thresholds.map((t) => [clip(t.peer, 24), t.unit, String(t.amount), t.armed ? "yes" : "no", t.lastAction ?? "-"])));
    },
  },
];
