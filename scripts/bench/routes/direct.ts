// The direct relayed call (A → C, peers): the baseline every other route is measured against.
import type { BenchRoute } from "./route.ts";

export const direct: BenchRoute = {
  name: "direct",
  prepare: async () => {},
  meta: { "mcpfed/route": "direct" },
  hops: () => [],
  firstHop: (n) => n.c,
};
