// Federation across runtimes: a node on Node, one on Deno and one on workerd peer with each other
// and exchange sealed pings in every direction. Each verifies the others' cards (fetched, or
// carried in a hello) and opens envelopes the others sealed, whatever crypto each runtime picked:
// Node 20 uses noble ML-DSA and ML-KEM, Deno native ML-KEM, workerd (with the
// webcrypto_modern_algorithms flag) all native.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { verifyCard } from "../../src/protocol/card/verify.ts";
import { noble, primitives } from "../../src/protocol/identity/primitives.ts";
import type { NodeProc } from "../support/processes.ts";
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
