// The private route (docs/protocol.md §13): A → relay → C's gateway, sealed to C's gateway with
// Oblivious HTTP and handed on by a peer of A that offers a relay. The relay is the forwarded
// route's B when that route runs too (B forwards and relays), else a node of its own; A picks its
// relay at random among its relaying peers other than C, so there must be one only.
// scripts/bench/private-route.ts measures more of this route: bytes on each link, the gateway's
// cryptography per call.
import { json } from "../../../test/support/processes.ts";
import type { BenchRoute } from "./route.ts";

export const privateRoute: BenchRoute = {
  name: "private",
  prepare: async (n, start) => {
    if (n.extra.b) return;
    const r = await start("romeo");
    n.extra.r = r;
    await json(await n.a.admin("POST", "/peers", { url: r.url }));
    await json(await r.admin("POST", "/peers", { url: n.c.url }));
  },
  meta: { "mcpfed/route": "private" },
  hops: (n) => [n.extra.r ?? n.extra.b!],
  firstHop: (n) => n.extra.r ?? n.extra.b!,
};
