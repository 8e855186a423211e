// Privacy Pass tokens (docs/protocol.md §15): buy them from a peer that issues them, and list the
// wallet and this node's own issuer. Not to be confused with `mcpfed token …`, the API tokens.
import { show, type Command } from "../framework/command.ts";
import { table } from "../framework/format.ts";
import { whole } from "../framework/option-values.ts";

interface PurchaseView {
  issuer: string;
  recordId: string;
  count: number;
  keyId: string;
  amount: number;
  unit: string;
  expiresAt: number;
}

interface HoldingView {
  issuer: string;
  keyId: string;
  unit: string;
  value: number;
  expiresAt: number;
  count: number;
}

interface IssuerView {
  issuing: boolean;
  unit: string;
  value: number;
  keys: { keyId: string; notBefore: number; expiresAt: number; signing: boolean }[];
  sales: number;
  sold: number;
  redeemed: number;
}

const when = (ms: number) => new Date(ms).toISOString();

export const paymentTokenCommands: Command[] = [
  {
    name: "tokens buy",
    usage: "<origin> <n>",
    summary: "buy n (1–16) anonymous payment tokens from a node that issues them (a peer's id or alias, or another node's id: through a forwarder), paid through the ledger",
    min: 2,
    max: 2,
    run: async (ctx, [origin, n]) => {
      const body = await ctx.api.request<{ purchase: PurchaseView }>("POST", "/payment-tokens", { origin, count: whole(n, "n", 1, 16) });
      show(ctx, body, (b) => `bought ${b.purchase.count} token(s) of ${b.purchase.issuer} for ${b.purchase.amount} ${b.purchase.unit}, valid until ${when(b.purchase.expiresAt)} (record ${b.purchase.recordId})`);
    },
  },
  {
    name: "tokens list",
    summary: "list the payment tokens this node holds, and its own issuer's keys and counts",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ wallet: HoldingView[]; issuer: IssuerView }>("GET", "/payment-tokens");
      show(ctx, body, (b) =>
        [
          b.wallet.length === 0 ? "no tokens held" : table(["ISSUER", "TOKENS", "WORTH EACH", "KEY", "EXPIRES"], b.wallet.map((h) => [h.issuer, String(h.count), `${h.value} ${h.unit}`, h.keyId.slice(0, 16), when(h.expiresAt)])),
          "",
          b.issuer.issuing ? `issuing tokens worth ${b.issuer.value} ${b.issuer.unit}: ${b.issuer.sales} sale(s), ${b.issuer.sold} sold, ${b.issuer.redeemed} spent and held until their key expires` : "not issuing tokens (TOKENS=off)",
          ...(b.issuer.keys.length > 0 ? [table(["KEY", "NOT BEFORE", "EXPIRES", "SIGNS"], b.issuer.keys.map((k) => [k.keyId.slice(0, 16), when(k.notBefore), when(k.expiresAt), k.signing ? "yes" : "no"]))] : []),
        ].join("\n"),
      );
    },
  },
];
