// Strong consistency on the blackboard across three local node processes: a namespace of alpha's
// replicated by all three, keys spread over the three homes by rendezvous hashing. Clients issue
// operations through the admin API to the nodes in turn, so two calls in three are forwarded to
// the key's home; a write is answered once a majority (two of three) has stored and signed it, a
// read is answered by the home alone. Closed loop at 1 and 16 concurrent clients, each client on
// its own key (a key's operations queue at its home). The per-peer federation rate limits are
// lifted: at 16 clients the nodes send each other more than the default 3000 messages a minute.
//   npx tsx scripts/bench/blackboard-strong.ts [--calls 300]
import { parseArgs } from "node:util";
import { freePort, json, waitFor, type NodeProc } from "../../test/support/processes.ts";
import { closedLoop, fmt, machine, summarize, table } from "./lib.ts";
import { startBenchNode } from "./node-process.ts";

const { values } = parseArgs({ options: { calls: { type: "string", default: "300" } } });
const CALLS = Number(values.calls);

async function loopback(name: string) {
  const port = await freePort();
  return startBenchNode({ port, env: { NODE_NAME: name, PUBLIC_URL: `http://127.0.0.1:${port}`, PEER_POLICY: "open", FEDERATION_RATE_PER_SENDER: "1000000", FEDERATION_RATE_PER_SOURCE: "1000000" } });
}

const nodes: NodeProc[] = [];
for (const name of ["alpha", "bravo", "charlie"]) nodes.push(await loopback(name));
const [a, b, c] = nodes as [NodeProc, NodeProc, NodeProc];
try {
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await a.admin("POST", "/peers", { url: c.url }));
  await json(await b.admin("POST", "/peers", { url: c.url }));
  for (const n of nodes)
    await waitFor(async () => {
      const { peers } = await json<{ peers: { state: string }[] }>(await n.admin("GET", "/peers"));
      return peers.filter((p) => p.state === "active").length === 2;
    }, "peers active");
  const { descriptor, missed } = await json<{ descriptor: { namespace: string }; missed: string[] }>(
    await a.admin("POST", "/blackboard/strong/namespaces", { name: "bench", replicas: [b.nodeId, c.nodeId] }),
  );
  if (missed.length > 0) throw new Error(`replicas missed the descriptor: ${missed.join(", ")}`);
  const op = async (i: number, key: string, body: unknown) => {
    const res = await nodes[i % 3]!.admin("POST", "/blackboard/strong", { namespace: descriptor.namespace, key, op: body });
    const out = (await res.json()) as { ok: boolean };
    if (!out.ok) throw new Error(`strong op failed: ${JSON.stringify(out)}`);
  };
  // Warm up, one call at a time: channels between the nodes, every key's first entry.
  for (let i = 0; i < 48; i++) await op(i, `k${i % 16}`, { op: "write", value: `warm-${i}` });
  const rows: (string | number)[][] = [];
  for (const clients of [1, 16]) {
    for (const kind of ["write", "read"] as const) {
      const { samples, wallMs } = await closedLoop(CALLS, clients, (i) => op(i, `k${i % clients}`, kind === "write" ? { op: "write", value: `v-${i}` } : { op: "read" }));
      const s = summarize(samples, wallMs);
      rows.push([kind, clients, s.n, fmt(s.p50), fmt(s.p99), fmt(s.rps, 0)]);
    }
  }
  console.log(`blackboard strong, 3 nodes on loopback, ${machine()}`);
  console.log(table(["op", "clients", "n", "p50 ms", "p99 ms", "ops/s"], rows));
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
}
