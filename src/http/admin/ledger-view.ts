// The Ledger page's one read: the balances, the newest `limit` records with their stages, the
// flags, the clearing rounds, the first page of invoices and the settlement methods (secrets as
// their last four characters), each as its own route lists it (`/ledger/balances`,
// `/ledger/records`, `/ledger/flags`, `/clearing/rounds`, `/ledger/invoices`,
// `/ledger/settlement-methods`): one admin request instead of six.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { invoiceList } from "../../node/money/invoices.ts";
import { recordViews } from "./ledger.ts";

const summaryQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).catch(100) });
/** As many invoices as `GET /ledger/invoices` gives by default. */
const INVOICES = 100;

export function ledgerViewAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/ledger/summary", async (c) => {
    const { limit } = summaryQuery.parse(c.req.query());
    const [balances, records, flags, rounds, invoices, methods] = await Promise.all([
      s.ledger.balances(),
      recordViews(s, { limit }),
      s.ledger.flags(),
      s.clearing.list(),
      invoiceList(s.db, { limit: INVOICES }),
      s.settlement.methods.list(),
    ]);
    return c.json({ balances, records, flags, rounds, invoices: invoices.invoices, next: invoices.next === null ? null : String(invoices.next), methods });
  });

  return app;
}
