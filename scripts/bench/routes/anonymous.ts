// The anonymous route (docs/protocol.md §14): A → H1 → H2 → H3 → C's gateway, a 3-hop onion packet
// around the OHTTP request. A peers with three hop-and-exit nodes to hold their cards (in the field
// it may learn them from public node entries); the hops hold no card of each other and fetch the
// next one's once. The path is drawn per call, so the bytes are A's to whichever hop came first.
// Run with ROUTES=direct,anonymous for per-hop CPU: any other node A knows that offers onion-hop
// (the forwarded route's B) is a path candidate too.
import { json } from "../../../test/support/processes.ts";
import type { BenchRoute } from "./route.ts";

const HOPS = ["hotel-one", "hotel-two", "hotel-three"];

export const anonymous: BenchRoute = {
  name: "anonymous",
  prepare: async (n, start) => {
    for (const name of HOPS) {
      const hop = await start(name, { ROUTES_OFFER: "hop,exit" });
      n.extra[name] = hop;
      await json(await n.a.admin("POST", "/peers", { url: hop.url }));
    }
  },
  meta: { "mcpfed/route": "anonymous" },
  hops: (n) => HOPS.map((h) => n.extra[h]!),
  firstHop: (n) => HOPS.map((h) => n.extra[h]!),
};
