// Federation across runtimes: a node on Node, one on Deno and one on workerd peer with each other
// and exchange sealed pings in every direction. Each verifies the others' cards (fetched, or
// carried in a hello) and opens envelopes the others sealed, whatever crypto each runtime picked:
// Node 20 uses noble ML-DSA and ML-KEM, Deno native ML-KEM, workerd (with the
// webcrypto_modern_algorithms flag) all native. Then a strong blackboard namespace spans the three,
// its keys' operations on workerd put in order by a Durable Object per key.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { homeOf } from "../../src/protocol/blackboard/home.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { verifyCard } from "../../src/protocol/card/verify.ts";
import { noble, primitives } from "../../src/protocol/identity/primitives.ts";
import { checkLinearizable } from "../support/consistency/linearizability.ts";
import { randomInput, StrongRecorder } from "../support/consistency/strong-recorder.ts";
import { json, type NodeProc } from "../support/processes.ts";
import { startOnEveryRuntime, type RuntimeName } from "../support/runtimes.ts";

let nodes: Record<RuntimeName, NodeProc>;
let ids: Record<keyof typeof nodes, string>;
let crypto: Record<keyof typeof nodes, string>;

beforeAll(async () => {
  nodes = await startOnEveryRuntime();
  const identity = async (n: NodeProc) => (await (await n.admin("GET", "/identity")).json()) as { id: string; crypto: string };
  const [i1, i2, i3] = await Promise.all([identity(nodes.node), identity(nodes.deno), identity(nodes.workerd)]);
  ids = { node: i1.id, deno: i2.id, workerd: i3.id };
  crypto = { node: i1.crypto, deno: i2.crypto, workerd: i3.crypto };
}, 180_000);

afterAll(async () => {
  await Promise.all(Object.values(nodes ?? {}).map((n) => n.stop()));
});

test("each runtime picked its own mix of native and noble primitives", () => {
  expect(crypto.node).toContain("ML-DSA-65 noble");
  // Deno's ML-DSA refuses a non-empty context, which the composite signature needs.
  expect(crypto.deno).toBe("ML-DSA-65 noble, Ed25519 native, ML-KEM-768 native, X25519 native");
  // wrangler.toml turns on the webcrypto_modern_algorithms flag.
  expect(crypto.workerd).toBe("ML-DSA-65 native, Ed25519 native, ML-KEM-768 native, X25519 native");
});

test("each runtime's card verifies here, on both crypto paths", async () => {
  for (const [name, n] of Object.entries(nodes)) {
    const raw = (await (await fetch(`${n.url}/.well-known/mcpfed`)).json()) as Card;
    for (const p of [noble, await primitives()]) {
      const { card } = await verifyCard(raw, { primitives: p, now: Math.floor(Date.now() / 1000), skew: 60 });
      expect(card.name, name).toBe(`on-${name}`);
      expect(card.url, name).toBe(n.url);
    }
  }
});

test("every pair peers, and sealed pings go both ways", async () => {
  const pairs = [
    ["node", "deno"],
    ["node", "workerd"],
    ["deno", "workerd"],
  ] as const;
  for (const [from, to] of pairs) {
    const res = await nodes[from].admin("POST", "/peers", { url: nodes[to].url });
    expect(res.status, `${from} adds ${to}: ${await res.clone().text()}`).toBe(201);
    expect(await res.json()).toMatchObject({ peer: { id: ids[to], state: "active", theirState: "active", version: "mcpfed/1" } });
  }
  for (const [a, b] of pairs) {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const ping = await nodes[from].admin("POST", `/peers/${ids[to]}/ping`);
      expect(ping.status, `${from} pings ${to}: ${await ping.clone().text()}`).toBe(200);
    }
  }
});

// Runs after the peering above. Workerd is home of two keys, so its Durable Objects order them
// (src/runtimes/strong-key-home.ts); of the other two it is a replica that acknowledges entries.
test("a strong namespace across the runtimes stays linearizable under concurrent clients on each", async () => {
  const described = await json<{ descriptor: { namespace: string; replicas: string[] }; missed: string[] }>(
    await nodes.workerd.admin("POST", "/blackboard/strong/namespaces", { name: "kv", replicas: [ids.node, ids.deno] }),
  );
  expect(described.missed).toEqual([]);
  const { namespace, replicas } = described.descriptor;
  const homedAt = (runtime: RuntimeName, n: number) => {
    const found: string[] = [];
    for (let i = 0; found.length < n; i++) if (homeOf(namespace, `k${i}`, replicas) === ids[runtime]) found.push(`k${i}`);
    return found;
  };
  const keys = [...homedAt("workerd", 2), ...homedAt("node", 1), ...homedAt("deno", 1)];
  const rec = new StrongRecorder(namespace);

  // Put, get and compare-and-set in turn, each through another runtime, on a key workerd orders.
  const k = keys[0]!;
  expect(await rec.run("seq", nodes.node, k, { f: "write", value: "one" })).toEqual({ ok: true, result: { op: "write", slot: 1 } });
  expect(await rec.run("seq", nodes.deno, k, { f: "read" })).toEqual({ ok: true, result: { op: "read", value: "one", slot: 1 } });
  expect(await rec.run("seq", nodes.workerd, k, { f: "cas", expected: "two", value: "lost" })).toEqual({ ok: true, result: { op: "cas", ok: false, slot: 1 } });
  expect(await rec.run("seq", nodes.deno, k, { f: "cas", expected: "one", value: "swapped" })).toEqual({ ok: true, result: { op: "cas", ok: true, slot: 2 } });
  expect(await rec.run("seq", nodes.node, k, { f: "read" })).toEqual({ ok: true, result: { op: "read", value: "swapped", slot: 2 } });

  // Two clients per runtime at once, each on random keys.
  const OPS = 6;
  await Promise.all(
    (Object.keys(nodes) as RuntimeName[]).flatMap((runtime) =>
      [0, 1].map(async (n) => {
        const client = `${runtime}-${n}`;
        let lastSeen: string | null = null;
        for (let i = 0; i < OPS; i++) {
          const out = await rec.run(client, nodes[runtime], keys[Math.floor(Math.random() * keys.length)]!, randomInput(client, i, lastSeen));
          if (out?.ok && out.result.op === "read") lastSeen = out.result.value === undefined ? null : (out.result.value as string);
        }
      }),
    ),
  );
  const verdict = checkLinearizable(rec.history);
  expect(verdict, JSON.stringify(verdict).slice(0, 2000)).toEqual({ linearizable: true });
  // With no fault injected, every operation is answered: none lost, none dropped for want of a majority.
  expect(rec.answers).toEqual({ ok: 5 + 6 * OPS, unavailable: 0, unknown: 0, down: 0 });
  // The keys' queues ran as Durable Objects of the StrongKeyHome class (wrangler keeps each class's objects in a folder).
  const objects = join(nodes.workerd.dataDir, "state", "v3", "do");
  expect(existsSync(objects) ? readdirSync(objects) : []).toContainEqual(expect.stringContaining("StrongKeyHome"));
}, 180_000);
