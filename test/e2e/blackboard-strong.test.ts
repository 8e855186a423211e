// Strong consistency on the blackboard with three real nodes: every key of one namespace has the
// same home, alpha. Clients on all three nodes read, write and compare-and-set at random, at once,
// while bravo (not the home) is stopped and restarted and charlie's inbound link is dropped and
// healed. Every history, invoke and return times on this process's clock, is checked for
// linearizability (test/support/consistency/linearizability.ts). With the home out of reach, or
// with no majority behind it, operations answer `unavailable` and the history stays linearizable.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homeOf } from "../../src/protocol/blackboard/home.ts";
import { checkLinearizable } from "../support/consistency/linearizability.ts";
import { connect } from "../support/mcp.ts";
import type { KvInput } from "../support/consistency/history.ts";
import { randomInput, StrongRecorder } from "../support/consistency/strong-recorder.ts";
import { eventually, freePort, json, startNode, tempDir, type NodeProc } from "../support/processes.ts";
import { switchProxy, type SwitchProxy } from "../support/switch-proxy.ts";

interface Member {
  name: string;
  port: number;
  dataDir: string;
  reach: SwitchProxy;
  node: NodeProc;
}

const members: Member[] = [];
let namespace: string;
/** Keys whose home is alpha (members[0]): several, so that each key's history stays small enough to search. */
let keys: string[];

async function open(name: string): Promise<Member> {
  const port = await freePort();
  const reach = await switchProxy(await freePort(), port);
  const dataDir = tempDir();
  const node = await startNode({ port, dataDir, env: { NODE_NAME: name, PUBLIC_URL: reach.url, PEER_POLICY: "open" } });
  return { name, port, dataDir, reach, node };
}

async function restart(m: Member): Promise<void> {
  await m.node.stop();
  m.node = await startNode({ port: m.port, dataDir: m.dataDir, env: { NODE_NAME: m.name, PUBLIC_URL: m.reach.url, PEER_POLICY: "open" } });
}

beforeAll(async () => {
  // One after the other: three nodes starting at once on a busy machine can outlast startNode's wait.
  for (const name of ["alpha", "bravo", "charlie"]) members.push(await open(name));
  const [a, b, c] = members as [Member, Member, Member];
  await json(await a.node.admin("POST", "/peers", { url: b.reach.url }));
  await json(await a.node.admin("POST", "/peers", { url: c.reach.url }));
  await json(await b.node.admin("POST", "/peers", { url: c.reach.url }));
  for (const m of members)
    await eventually(async () => {
      const { peers } = await json<{ peers: { nodeId: string; state: string }[] }>(await m.node.admin("GET", "/peers"));
      expect(peers.filter((p) => p.state === "active").length).toBe(2);
    }, 20_000);
  const described = await json<{ descriptor: { namespace: string; replicas: string[] }; missed: string[] }>(
    await a.node.admin("POST", "/blackboard/strong/namespaces", { name: "kv", replicas: [b.node.nodeId, c.node.nodeId] }),
  );
  expect(described.missed).toEqual([]);
  namespace = described.descriptor.namespace;
  const replicas = described.descriptor.replicas;
  keys = [];
  for (let i = 0; keys.length < 3; i++) if (homeOf(namespace, `k${i}`, replicas) === a.node.nodeId) keys.push(`k${i}`);
}, 180_000);

afterAll(async () => {
  for (const m of members) {
    await m.node?.stop();
    await m.reach?.close();
  }
});

/** Clients, two per node, each issuing operations one after another until `until()` holds. */
async function clients(rec: StrongRecorder, perNode: number, until: () => boolean): Promise<void> {
  await Promise.all(
    members.flatMap((m) =>
      Array.from({ length: perNode }, async (_, n) => {
        const client = `${m.name}-${n}`;
        let lastSeen: string | null = null;
        for (let i = 0; !until(); i++) {
          const key = keys[Math.floor(Math.random() * keys.length)]!;
          const input = randomInput(client, i, lastSeen);
          const out = await rec.run(client, m.node, key, input);
          if (out?.ok && out.result.op === "read") lastSeen = out.result.value === undefined ? null : (out.result.value as string);
        }
      }),
    ),
  );
}

/** Waits until `n` more operations have been answered ok. */
async function progress(rec: StrongRecorder, n: number): Promise<void> {
  const target = rec.answers.ok + n;
  await eventually(async () => expect(rec.answers.ok).toBeGreaterThanOrEqual(target), 120_000);
}

describe("blackboard strong consistency", () => {
  it("stays linearizable with concurrent clients on every replica while a non-home node restarts and a link drops", async () => {
    const [, b, c] = members as [Member, Member, Member];
    const rec = new StrongRecorder(namespace);
    let done = false;
    const running = clients(rec, 2, () => done);
    try {
      await progress(rec, 30);
      await restart(b);
      await progress(rec, 30);
      c.reach.off();
      await progress(rec, 30);
      c.reach.on();
      await progress(rec, 30);
    } finally {
      done = true;
      await running;
    }
    const verdict = checkLinearizable(rec.history);
    expect(verdict, JSON.stringify(verdict).slice(0, 2000)).toEqual({ linearizable: true });
    // The faults happened while clients ran: some operations met them.
    expect(rec.answers.ok).toBeGreaterThanOrEqual(120);
    expect(c.reach.dropped()).toBeGreaterThan(0);
  }, 300_000);

  it("answers unavailable, never a guess, with the home out of reach or without a majority", async () => {
    const [a, b, c] = members as [Member, Member, Member];
    const rec = new StrongRecorder(namespace);
    const key = keys[0]!;
    // Links healed by the test before may take a moment to carry appends again.
    await eventually(async () => expect(await rec.run("setup", a.node, key, { f: "write", value: "before" })).toMatchObject({ ok: true }), 20_000);
    const unavailableBefore = rec.answers.unavailable;

    // The home unreachable from the other replicas: every operation through them is unavailable.
    a.reach.off();
    try {
      for (const m of [b, c])
        for (const input of [{ f: "read" }, { f: "write", value: `${m.name}.lost` }, { f: "cas", expected: "before", value: `${m.name}.cas` }] as KvInput[]) {
          const out = await rec.run(`${m.name}-x`, m.node, key, input);
          expect(out).toMatchObject({ ok: false, error: "unavailable" });
        }
    } finally {
      a.reach.on();
    }

    // No majority: the home reaches neither replica. Writes are dropped and say so; the home's
    // committed value is still the latest, so it may answer reads.
    b.reach.off();
    c.reach.off();
    try {
      expect(await rec.run("alpha-x", a.node, key, { f: "write", value: "alone" })).toMatchObject({ ok: false, error: "unavailable", applied: "no" });
      expect(await rec.run("alpha-x", a.node, key, { f: "cas", expected: "before", value: "alone.cas" })).toMatchObject({ ok: false, error: "unavailable", applied: "no" });
      expect(await rec.run("alpha-x", a.node, key, { f: "read" })).toMatchObject({ ok: true, result: { op: "read", value: "before" } });
    } finally {
      b.reach.on();
      c.reach.on();
    }

    // Healed: every replica answers again, with the value of the last committed write.
    for (const m of members) expect(await rec.run(`${m.name}-y`, m.node, key, { f: "read" })).toMatchObject({ ok: true, result: { op: "read" } });
    expect(rec.answers.unavailable - unavailableBefore).toBe(8);
    expect(checkLinearizable(rec.history)).toEqual({ linearizable: true });
  }, 120_000);

  it("serves the same keys through the MCP tools on any replica", async () => {
    const [, b, c] = members as [Member, Member, Member];
    const key = keys[1]!;
    const [viaB, viaC] = await Promise.all([connect(b.node.mcpUrl), connect(c.node.mcpUrl)]);
    try {
      const put = await viaC.callTool({ name: "blackboard_put", arguments: { namespace, key, op: { type: "register", op: "set", value: "over mcp" } } });
      expect(put.structuredContent).toMatchObject({ consistency: "strong", value: { type: "register", value: "over mcp" } });
      const slot = (put.structuredContent as { slot: number }).slot;
      // The admin route on another replica reads what the tool committed at the home.
      expect(await json(await b.node.admin("POST", "/blackboard/strong", { namespace, key, op: { op: "read" } }))).toEqual({ ok: true, result: { op: "read", value: "over mcp", slot } });
      const cas = await viaB.callTool({ name: "blackboard_put", arguments: { namespace, key, op: { type: "register", op: "set", value: "swapped" }, expected: { value: "over mcp" } } });
      expect(cas.structuredContent).toMatchObject({ swapped: true, slot: slot + 1 });
      expect((await viaC.callTool({ name: "blackboard_get", arguments: { namespace, key } })).structuredContent).toMatchObject({ value: { type: "register", value: "swapped" }, slot: slot + 1 });
    } finally {
      await Promise.all([viaB.close(), viaC.close()]);
    }
  }, 60_000);
});
