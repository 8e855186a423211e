// The benchmark's worker, never deployed: POST / times the primitives this isolate picked
// (scripts/bench/primitive-costs.ts); GET / answers once the worker is up.
import { describe, primitives } from "../../../src/protocol/identity/primitives.ts";
import { primitiveCosts } from "../primitive-costs.ts";

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("ready");
    const p = await primitives();
    return Response.json({ crypto: describe(p), costs: await primitiveCosts(p) });
  },
};
