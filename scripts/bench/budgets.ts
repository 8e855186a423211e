// Budget spends on one node, on a real libSQL file, with the node's composite signature: how long
// a spend takes to be decided (reading the rights this node holds and comparing: no peer, no
// store) and the whole spend with its debit stored before the answer. Sequential spends, then
// CONCURRENCY at once on the same budget (queued per budget), then refusals past the rights.
//
//   npx tsx scripts/bench/budgets.ts          (SPENDS=5000 CONCURRENCY=8)
import { openTestDatabase } from "../../test/support/libsql.ts";
import { Budgets, BudgetError } from "../../src/node/budgets/budgets.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { intEnv, percentile } from "./lib.ts";

const SPENDS = intEnv("SPENDS", 5000);
const CONCURRENCY = intEnv("CONCURRENCY", 8);

const store = await openTestDatabase();
const key = await signingKeyFromSeed(await primitives(), parseSeed(newSeed()));
const budgets = new Budgets({
  db: store.db,
  signer: { nodeId: key.nodeId, sign: (m, c) => key.signer.sign(m, c) },
  keys: { keyOf: async () => undefined },
  clock: new HybridClock(),
  transport: {
    sync: () => Promise.reject(new Error("no peers")),
    ask: () => Promise.reject(new Error("no peers")),
  },
  peers: async () => [],
});
const ref = (task: string) => ({ owner: key.nodeId, task, unit: "credit" as const });

function report(what: string, samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const within = sorted.filter((x) => x <= 1).length / sorted.length;
  const f = (x: number) => x.toFixed(3);
  console.log(`${what.padEnd(34)} n=${sorted.length} p50=${f(percentile(sorted, 50))} ms p99=${f(percentile(sorted, 99))} ms max=${f(sorted.at(-1)!)} ms  ≤1 ms: ${(within * 100).toFixed(2)}%`);
}

await budgets.allocate(ref("bench"), 1e12);
const decided: number[] = [];
const whole: number[] = [];
for (let i = 0; i < SPENDS; i++) {
  const t = performance.now();
  const r = await budgets.spend(ref("bench"), 1 + (i % 7), { principal: "bench" });
  whole.push(performance.now() - t);
  decided.push(r.decisionMs);
}
report("sequential: decision", decided);
report("sequential: spend, debit stored", whole);

const decidedC: number[] = [];
const wholeC: number[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < SPENDS) {
      const t = performance.now();
      const r = await budgets.spend(ref("bench"), 1, { principal: "bench" });
      wholeC.push(performance.now() - t);
      decidedC.push(r.decisionMs);
    }
  }),
);
report(`${CONCURRENCY} at once: decision`, decidedC);
report(`${CONCURRENCY} at once: spend, debit stored`, wholeC);

// Refusals are decided the same way and store nothing.
await budgets.allocate(ref("small"), 10);
await budgets.spend(ref("small"), 10, { principal: "bench" });
const refused: number[] = [];
for (let i = 0; i < SPENDS; i++) {
  const t = performance.now();
  try {
    await budgets.spend(ref("small"), 1, { principal: "bench" });
    throw new Error("a spend past the rights was accepted");
  } catch (err) {
    if (!(err instanceof BudgetError) || err.code !== "budget_exhausted") throw err;
  }
  refused.push(performance.now() - t);
}
report("refused (budget_exhausted)", refused);
store.close();
