// Redemption at a provider's gateway, on loopback with real node processes (docs/protocol.md §15.5,
// §15.9): A buys tokens under its name from P and from the issuer I, then calls P's priced public
// tools anonymously, posting the sealed call straight to P's gateway. P trusts I. Per call, the
// three kinds interleaved round by round:
//
//   local     echo at 2 credit, 1 of P's own tokens: spent in P's table (the baseline)
//   multi     get-sum at 16 credit, 8 of P's own tokens: checked and spent all at once
//   online    echo at 2 credit, 1 of I's tokens: checked at P, spent at I over the federation
//             (token-redeem), P signs its receipt; the receipt's round trip to I follows the answer
//
// Reported: p50/p99 latency of the whole anonymous call; CPU ms per call of P and of I (whole
// process, /proc), I's including the deferred receipt countersignature. REDEEM_CALLS per round
// and kind (default 10), REDEEM_ROUNDS (default 3).
import { loadavg } from "node:os";
import { join } from "node:path";
import { spendTokens } from "../../src/node/tokens/wallet.ts";
import { callAnonymously, walletOf } from "../../test/support/anonymous-payment.ts";
import { openDatabaseFile } from "../../test/support/libsql.ts";
import { freePort, startEverything, type NodeProc } from "../../test/support/processes.ts";
import { fmt, intEnv, machine, median, percentile } from "./lib.ts";
import { cpuMsOf, startBenchNode } from "./node-process.ts";

const CALLS = intEnv("REDEEM_CALLS", 10);
const ROUNDS = intEnv("REDEEM_ROUNDS", 3);
const TOKEN_ENV = { PEER_POLICY: "open", TOKEN_UNIT: "credit", TOKEN_VALUE: "2" };
type Kind = "local" | "multi" | "online";
const KINDS: Kind[] = ["local", "multi", "online"];

const json = async <T>(res: Response): Promise<T> => {
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
};

async function buy(a: NodeProc, issuer: NodeProc, n: number): Promise<void> {
  for (let left = n; left > 0; left -= 16) await json(await a.admin("POST", "/payment-tokens", { origin: issuer.nodeId, count: Math.min(16, left) }));
}

/** A node its peers reach on loopback at the URL its card names. */
async function peerNode(env: Record<string, string>): Promise<NodeProc> {
  const port = await freePort();
  return startBenchNode({ port, env: { ...env, PUBLIC_URL: `http://127.0.0.1:${port}` } });
}

const upstream = await startEverything();
const i = await peerNode(TOKEN_ENV);
const p = await peerNode({ ...TOKEN_ENV, TOKEN_TRUSTED_ISSUERS: i.nodeId });
const a = await peerNode(TOKEN_ENV);
const nodes = [i, p, a];
try {
  await json(await p.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url }));
  const fingerprint = async (tool: string, key: string, pricing: unknown) =>
    (await json<{ stored: { key: string; fingerprint: string }[] }>(await p.admin("POST", "/shares", { tool, visibility: "public", pricing }))).stored.find((e) => e.key === key)!.fingerprint;
  const echoFp = await fingerprint("everything_echo", "everything/echo", { model: "per_call", amount: 2, unit: "credit" });
  const sumFp = await fingerprint("everything_get-sum", "everything/get-sum", { model: "per_call", amount: 16, unit: "credit" });
  for (const [from, to] of [[a, i], [a, p], [p, i]] as const) await json(await from.admin("POST", "/peers", { url: to.url }));
  const total = (CALLS * ROUNDS) + 2;
  await buy(a, p, total * 9);
  await buy(a, i, total);
  const store = await openDatabaseFile(join(a.dataDir, "node.db"));
  const wallet = walletOf(a, store.db);

  const callOf = async (kind: Kind, n: number) => {
    const issuer = kind === "online" ? i : p;
    const price = kind === "multi" ? 16 : 2;
    const { tokens } = await spendTokens(wallet, issuer.nodeId, { model: "per_call", amount: price, unit: "credit" });
    const call = kind === "multi" ? { key: "everything/get-sum", fingerprint: sumFp, tokens, arguments: { a: n, b: 1 } } : { key: "everything/echo", fingerprint: echoFp, tokens, arguments: { message: `m${n}` } };
    return () => callAnonymously(p, call);
  };
  // Warm-up: one of each (P learns I's directory on its first online redemption).
  for (const kind of KINDS) {
    const answer = await (await callOf(kind, 0))();
    if (!answer?.ok) throw new Error(`${kind}: ${JSON.stringify(answer)}`);
  }
  const latency: Record<Kind, number[]> = { local: [], multi: [], online: [] };
  const cpu: Record<Kind, { p: number[]; i: number[] }> = { local: { p: [], i: [] }, multi: { p: [], i: [] }, online: { p: [], i: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of KINDS) {
      const calls = [];
      for (let n = 0; n < CALLS; n++) calls.push(await callOf(kind, n));
      const [p0, i0] = [cpuMsOf(p.child.pid!), cpuMsOf(i.child.pid!)];
      for (const call of calls) {
        const started = performance.now();
        const answer = await call();
        latency[kind].push(performance.now() - started);
        if (!answer?.ok) throw new Error(`${kind}: ${JSON.stringify(answer)}`);
      }
      // The receipt's deferred round trip to I belongs to the online calls.
      await new Promise((r) => setTimeout(r, 300));
      cpu[kind].p.push((cpuMsOf(p.child.pid!) - p0) / CALLS);
      cpu[kind].i.push((cpuMsOf(i.child.pid!) - i0) / CALLS);
    }
  }
  store.close();
  const rows = KINDS.map((kind) => {
    const sorted = [...latency[kind]].sort((x, y) => x - y);
    return { kind, p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuP: median(cpu[kind].p), cpuI: median(cpu[kind].i) };
  });
  const base = rows[0]!;
  console.log(`token redemption at a gateway, ${CALLS} calls × ${ROUNDS} rounds per kind; ${machine()}; load ${loadavg()[0]!.toFixed(1)}`);
  console.log("kind    p50 ms  p99 ms  P cpu ms/call  I cpu ms/call  p50 ×local  P cpu ×local");
  for (const r of rows) console.log(`${r.kind.padEnd(7)} ${fmt(r.p50).padStart(6)}  ${fmt(r.p99).padStart(6)}  ${fmt(r.cpuP).padStart(13)}  ${fmt(r.cpuI).padStart(13)}  ${fmt(r.p50 / base.p50).padStart(10)}  ${fmt(r.cpuP / base.cpuP).padStart(11)}`);
  console.log(JSON.stringify({ load: loadavg()[0]!.toFixed(1), calls: CALLS, rounds: ROUNDS, rows }));
} finally {
  await Promise.all([...nodes, upstream].map((n) => n.stop()));
}
