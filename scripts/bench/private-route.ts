// The private route against a direct relayed call to the same tool (server-everything's echo,
// free), on loopback with real node processes: A the consumer, R the relay, C the provider. A is
// a peer of both, so the two routes reach the same C from the same A:
//
//   direct    client → A → C → upstream                    (_meta "mcpfed/route": "direct")
//   private   client → A → R → C's gateway → upstream      (_meta "mcpfed/route": "private")
//
// Per route: p50/p99 latency at concurrency 1, the rounds alternating; the CPU time R spends per
// private call (its whole process, /proc), and C's per call on either route; bytes on the wire
// per call, from the kernel's socket counters (A→C for direct; A→R and R→C for private). Then, in
// this process, the gateway's own cryptography per call: open an encapsulated request and seal
// the answer (what C adds over a direct call, besides the HTTP hop), on each crypto path.
//
//   tools/node_modules/.bin/node --import tsx scripts/bench/private-route.ts          (PRIVATE_PATHS=noble,native PRIVATE_CALLS=200 PRIVATE_ROUNDS=3)
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { freePort, startEverything, TOOLS, type NodeProc, type Upstream } from "../../test/support/processes.ts";
import { noble, primitives, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { decapsulateRequest, encapsulateRequest } from "../../src/protocol/routes/ohttp/encapsulation.ts";
import { closedLoop, connectClient, fmt, intEnv, machine, median, summarize, table } from "./lib.ts";
import { cpuMsOf, startBenchNode } from "./node-process.ts";
import { bytesDuring } from "./wire-bytes.ts";

type CryptoPath = "noble" | "native";
type Route = "direct" | "private";

export interface PrivateRouteResult {
  path: CryptoPath;
  latency: Record<Route, { p50: number; p99: number }>;
  /** CPU ms per call of R (private only) and of C. */
  cpu: { relay: number; provider: Record<Route, number> };
  /** Bytes per call, both directions, per link. */
  bytes: { direct: number; consumerToRelay: number; relayToGateway: number };
  /** ms per request opened and answer sealed at the gateway, in this process. */
  gatewayCryptoMs: number;
}

async function call(client: Client, name: string, route: Route, i: number): Promise<void> {
  const msg = `bench-${i}`;
  const res = (await client.callTool({ name, arguments: { message: msg }, _meta: { "mcpfed/route": route } })) as { content?: { text?: string }[]; isError?: boolean };
  if (res.isError || res.content?.[0]?.text !== `Echo: ${msg}`) throw new Error(`unexpected echo result on ${route}: ${JSON.stringify(res)}`);
}

async function nodes(path: CryptoPath): Promise<{ up: Upstream; a: NodeProc; r: NodeProc; c: NodeProc }> {
  // Noble: the Node on PATH (20 here: noble ML-KEM and ML-DSA); native: Node 24 from tools/.
  const node = path === "native" ? `${TOOLS}/node` : (process.env.PRIVATE_NOBLE_NODE ?? "node");
  const up = await startEverything();
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const env = (name: string, port: number) => ({ NODE_NAME: name, PUBLIC_URL: `http://127.0.0.1:${port}`, PEER_POLICY: "open", ALLOW_PRIVATE_URLS: "true" });
  // One after the other: three starting at once on a busy machine outlast the start's wait.
  const started: NodeProc[] = [];
  try {
    for (const [i, name] of ["alpha", "romeo", "charlie"].entries()) started.push(await startBenchNode({ node, port: ports[i], env: env(name, ports[i]!) }));
  } catch (err) {
    await Promise.all([up, ...started].map((n) => n.stop()));
    throw err;
  }
  const [a, r, c] = started as [NodeProc, NodeProc, NodeProc];
  const ok = async (res: Response) => {
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  };
  await ok(await r.admin("POST", "/peers", { url: c.url }));
  await ok(await a.admin("POST", "/peers", { url: r.url }));
  await ok(await a.admin("POST", "/peers", { url: c.url }));
  await ok(await c.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url }));
  await ok(await c.admin("POST", "/shares", { tool: "everything_echo", visibility: "public" }));
  return { up, a, r, c };
}

/**
 * The gateway's cryptography per call: decapsulate a request, seal its answer. The median over 7
 * batches, as scripts/bench/primitive-costs.ts does: a batch the scheduler interrupted on a busy
 * machine does not set the figure.
 */
async function gatewayCrypto(p: Primitives, opsPerBatch: number): Promise<number> {
  const key = await xWing(p).fromSeed(new Uint8Array(32).fill(7));
  const keys = [{ keyId: 1, privateKey: key.privateKey }];
  const request = new Uint8Array(200).fill(0x41);
  const answer = new Uint8Array(300).fill(0x42);
  const batches: number[] = [];
  for (let b = 0; b < 7; b++) {
    const sealed = await Promise.all(Array.from({ length: opsPerBatch }, () => encapsulateRequest(p, { keyId: 1, publicKey: key.publicKey }, request)));
    const t0 = performance.now();
    for (const s of sealed) await (await decapsulateRequest(p, s.bytes, keys, 1 << 20)).sealResponse(answer);
    batches.push((performance.now() - t0) / opsPerBatch);
  }
  return median(batches);
}

export async function privateRoute(path: CryptoPath, o: { calls: number; rounds: number; warmup: number }): Promise<PrivateRouteResult> {
  const { up, a, r, c } = await nodes(path);
  try {
    const client = await connectClient(a.mcpUrl);
    let name = "";
    for (let t = 0; t < 200 && !name; t++) {
      name = (await client.listTools()).tools.find((x) => x.name === "charlie_everything_echo")?.name ?? "";
      if (!name) await new Promise((res) => setTimeout(res, 100));
    }
    if (!name) throw new Error("A never listed C's echo");
    for (const route of ["direct", "private"] as const) await closedLoop(o.warmup, 1, (i) => call(client, name, route, i));

    const samples: Record<Route, number[]> = { direct: [], private: [] };
    const cpu = { relay: [] as number[], provider: { direct: [] as number[], private: [] as number[] } };
    for (let round = 0; round < o.rounds; round++) {
      for (const route of round % 2 ? (["private", "direct"] as const) : (["direct", "private"] as const)) {
        const [r0, c0] = [cpuMsOf(r.child.pid!), cpuMsOf(c.child.pid!)];
        const run = await closedLoop(o.calls, 1, (i) => call(client, name, route, i));
        samples[route].push(...run.samples);
        cpu.provider[route].push((cpuMsOf(c.child.pid!) - c0) / o.calls);
        if (route === "private") cpu.relay.push((cpuMsOf(r.child.pid!) - r0) / o.calls);
      }
    }
    const perCall = async (pid: number, port: number, route: Route) => {
      const n = 50;
      const b = await bytesDuring(pid, port, () => closedLoop(n, 1, (i) => call(client, name, route, i)));
      return (b.sent + b.received) / n;
    };
    const bytes = {
      direct: await perCall(a.child.pid!, c.port, "direct"),
      consumerToRelay: await perCall(a.child.pid!, r.port, "private"),
      relayToGateway: await perCall(r.child.pid!, c.port, "private"),
    };
    await client.close();
    const stat = (route: Route) => {
      const s = summarize(samples[route], 0);
      return { p50: s.p50, p99: s.p99 };
    };
    const p = path === "noble" ? noble : await primitives();
    return {
      path,
      latency: { direct: stat("direct"), private: stat("private") },
      cpu: { relay: median(cpu.relay), provider: { direct: median(cpu.provider.direct), private: median(cpu.provider.private) } },
      bytes,
      gatewayCryptoMs: await gatewayCrypto(p, 20),
    };
  } finally {
    await Promise.all([a, r, c, up].map((n) => n.stop()));
  }
}

export function report(results: PrivateRouteResult[]): string {
  return [
    table(
      ["crypto", "direct p50", "direct p99", "private p50", "private p99", "added p50", "R CPU/call", "C CPU/call direct", "C CPU/call private"],
      results.map((x) => [
        x.path,
        fmt(x.latency.direct.p50),
        fmt(x.latency.direct.p99),
        fmt(x.latency.private.p50),
        fmt(x.latency.private.p99),
        fmt(x.latency.private.p50 - x.latency.direct.p50),
        fmt(x.cpu.relay),
        fmt(x.cpu.provider.direct),
        fmt(x.cpu.provider.private),
      ]),
    ),
    table(
      ["crypto", "bytes/call A↔C direct", "bytes/call A↔R", "bytes/call R↔C", "gateway crypto ms/call (this process)"],
      results.map((x) => [x.path, Math.round(x.bytes.direct), Math.round(x.bytes.consumerToRelay), Math.round(x.bytes.relayToGateway), fmt(x.gatewayCryptoMs, 3)]),
    ),
  ].join("\n\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const paths = (process.env.PRIVATE_PATHS ?? "noble,native").split(",") as CryptoPath[];
  const o = { calls: intEnv("PRIVATE_CALLS", 200), rounds: intEnv("PRIVATE_ROUNDS", 3), warmup: intEnv("PRIVATE_WARMUP", 30) };
  console.log(`${machine()}; load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const results: PrivateRouteResult[] = [];
  for (const path of paths) results.push(await privateRoute(path, o));
  console.log(report(results));
  console.log(`load after: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
}
