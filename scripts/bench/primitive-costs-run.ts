// One runtime's figures for scripts/bench/primitives.ts: the primitives this process picked, timed,
// as one JSON line. Runs under Node (with tsx) and Deno alike.
import { describe, primitives } from "../../src/protocol/identity/primitives.ts";
import { primitiveCosts } from "./primitive-costs.ts";

const p = await primitives();
console.log(JSON.stringify({ crypto: describe(p), costs: await primitiveCosts(p) }));
