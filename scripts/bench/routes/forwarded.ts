// The forwarded route (docs/protocol.md §12): A → B → C, sealed end to end to C, B a peer of both
// that passes the envelope on unopened. A and C are peers too (the same C as the direct route);
// the call asks for `forwarded`, so it goes through B all the same. B forwards and relays (the
// private route's relay when both run) but is no onion hop: the anonymous route's paths are drawn
// among its own three hops only, so their CPU and A's bytes to the first hop count every call.
import { json } from "../../../test/support/processes.ts";
import type { BenchRoute } from "./route.ts";

export const forwarded: BenchRoute = {
  name: "forwarded",
  prepare: async (n, start) => {
    const b = await start("bravo", { ROUTES_OFFER: "forward,relay" });
    n.extra.b = b;
    await json(await n.a.admin("POST", "/peers", { url: b.url }));
    await json(await b.admin("POST", "/peers", { url: n.c.url }));
  },
  meta: { "mcpfed/route": "forwarded" },
  hops: (n) => [n.extra.b!],
  firstHop: (n) => n.extra.b!,
};
