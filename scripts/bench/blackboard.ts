// The blackboard on three local nodes (A, B, C on loopback, one namespace of A's replicated on
// all three): blackboard_put and blackboard_get through the SDK client, each call to one of the
// three nodes in turn, closed loop at concurrency 1 and 16, eventual and session; then the
// visibility lag on peers: how long after A answers a write B and C read it (eventual reads,
// polled), and in how many tick rounds (pushes land with no round; 0 means before any tick).
//
//   npx tsx scripts/bench/blackboard.ts
//
// Knobs: BB_CALLS_C1 (100), BB_CALLS_C16 (320), BB_LAG_SAMPLES (20).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { connectClient, closedLoop, fmt, intEnv, machine, summarize, table } from "./lib.ts";
import { startBenchNode } from "./node-process.ts";
import { freePort, type NodeProc } from "../../test/support/processes.ts";

const CALLS_C1 = intEnv("BB_CALLS_C1", 100);
const CALLS_C16 = intEnv("BB_CALLS_C16", 320);
const LAG_SAMPLES = intEnv("BB_LAG_SAMPLES", 20);

async function node(name: string): Promise<NodeProc> {
  const port = await freePort();
  return startBenchNode({ port, env: { NODE_NAME: name, PUBLIC_URL: `http://127.0.0.1:${port}`, PEER_POLICY: "open" } });
}

async function ok(res: Response): Promise<unknown> {
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

type Answer = { value: unknown; token?: string };
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Answer> {
  const r = await client.callTool({ name, arguments: args });
  return r.structuredContent as Answer;
}

const nodes = [await node("alpha"), await node("bravo"), await node("charlie")];
const [a, b, c] = nodes as [NodeProc, NodeProc, NodeProc];
try {
  await ok(await a.admin("POST", "/peers", { url: b.url }));
  await ok(await a.admin("POST", "/peers", { url: c.url }));
  await ok(await c.admin("POST", "/peers", { url: b.url }));
  const { descriptor } = (await ok(await a.admin("POST", "/blackboard/namespaces", { name: "bench", replicas: [b.nodeId, c.nodeId], consistency: "eventual" }))) as { descriptor: { namespace: string } };
  const ns = descriptor.namespace;
  for (const n of [b, c]) {
    for (;;) {
      if ((await n.admin("GET", `/blackboard/namespaces/${ns}`)).ok) break;
      await ok(await a.admin("POST", "/tick"));
    }
  }
  // Six clients per node (a principal keeps at most 8 sessions per node); call i goes to
  // clients[i % 18], so consecutive calls of a worker land on different nodes.
  const clients: Client[] = [];
  for (let i = 0; i < 18; i++) clients.push(await connectClient(nodes[i % 3]!.mcpUrl));
  const rows: (string | number)[][] = [];
  for (const consistency of ["eventual", "session"] as const) {
    for (const concurrency of [1, 16]) {
      const total = concurrency === 1 ? CALLS_C1 : CALLS_C16;
      const tokens = new Map<string, string>();
      const args = (i: number) => {
        const worker = i % concurrency;
        const key = `k${worker}`;
        const session = { session: `bench-worker-${worker}-secret`, ...(tokens.has(key) ? { token: tokens.get(key) } : {}) };
        return { worker, key, base: { namespace: ns, key, consistency, ...(consistency === "session" ? session : {}) } };
      };
      const keep = (key: string, got: Answer) => got.token && tokens.set(key, got.token);
      const writes = await closedLoop(total, concurrency, async (i) => {
        const { key, base } = args(i);
        keep(key, await call(clients[i % clients.length]!, "blackboard_put", { ...base, op: { type: "register", op: "set", value: `v${i}` } }));
      });
      const reads = await closedLoop(total, concurrency, async (i) => {
        const { key, base } = args(i);
        keep(key, await call(clients[i % clients.length]!, "blackboard_get", base));
      });
      for (const [op, run] of [["put", writes], ["get", reads]] as const) {
        const s = summarize(run.samples, run.wallMs);
        rows.push([consistency, op, concurrency, s.n, fmt(s.p50), fmt(s.p99), fmt(s.rps, 1)]);
      }
    }
  }
  // Visibility lag: a write at A, then B and C polled (eventual reads) until they show it.
  const lag: number[] = [];
  const [writer, ...readers] = [clients[0]!, clients[1]!, clients[2]!];
  for (let i = 0; i < LAG_SAMPLES; i++) {
    const value = `lag-${i}-${Date.now()}`;
    await call(writer, "blackboard_put", { namespace: ns, key: "lag", op: { type: "register", op: "set", value } });
    const t0 = performance.now();
    await Promise.all(
      readers.map(async (r) => {
        for (;;) {
          const got = (await call(r, "blackboard_get", { namespace: ns, key: "lag" })).value as { value?: unknown } | null;
          if (got?.value === value) return;
        }
      }),
    );
    lag.push(performance.now() - t0);
  }
  const l = summarize(lag, 1);
  console.log(`# blackboard on three local nodes — ${machine()}`);
  console.log(table(["consistency", "op", "clients", "calls", "p50 ms", "p99 ms", "calls/s"], rows));
  console.log(`\nvisibility lag on both peers after A answered a write (eventual reads, polled; no tick ran, so 0 gossip rounds): n=${l.n} p50 ${fmt(l.p50)} ms, p99 ${fmt(l.p99)} ms`);
  for (const client of clients) await client.close();
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
}
