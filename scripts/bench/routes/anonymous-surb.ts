// The anonymous route answered by a single-use reply block (docs/protocol.md §14.6): the same
// three hops as `anonymous` (started here if that route is not run), the call asking
// `anonymous-surb`. The exit acknowledges the forward exchange at once; the answer comes back as a
// second packet through three reply hops to A's own URL. Its bytes on A's side count the forward
// exchange only: the delivery arrives on A's listening port, one more packet of the same size.
import { anonymous } from "./anonymous.ts";
import type { BenchRoute } from "./route.ts";

export const anonymousSurb: BenchRoute = {
  name: "anonymous-surb",
  prepare: async (n, start) => {
    if (anonymous.hops(n).every((h) => h !== undefined)) return;
    await anonymous.prepare(n, start);
  },
  meta: { "mcpfed/route": "anonymous-surb" },
  hops: anonymous.hops,
  firstHop: anonymous.firstHop,
};
