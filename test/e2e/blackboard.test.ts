// The blackboard on three real nodes on loopback. Eventual: randomized concurrent writers on all
// three, one node stopped and restarted, one node's inbound link dropped and healed
// (switch-proxy), then identical state hashes everywhere and the counter equal to the sum of the
// adds that were answered. Session: clients that move between nodes with their tokens, checked by
// test/support/consistency/session-guarantees.ts; a node behind fetches or answers `retry`; one
// client's token is refused to another. Bad input: a write without a grant, forged deltas, an
// oversize value, each refused with its code and nothing changed.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDelta } from "../../src/protocol/blackboard/delta.ts";
import { covers, decodeToken, type VersionVector } from "../../src/protocol/blackboard/session-token.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { checkSessions, type SessionOperation, type Versions } from "../support/consistency/session-guarantees.ts";
import { connect } from "../support/mcp.ts";
import { freePort, json, loopbackNode, type NodeOptions, type NodeProc } from "../support/processes.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { switchProxy, type SwitchProxy } from "../support/switch-proxy.ts";
import { seeded as seededRandom } from "../support/random.ts";

const seeds = { a: newSeed(), b: newSeed(), c: newSeed() };
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
/** B's inbound link: peers reach B only through it. */
let reachB: SwitchProxy;
const clients = new Map<NodeProc, Client>();

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });

async function clientOf(n: NodeProc): Promise<Client> {
  let client = clients.get(n);
  if (!client) {
    client = await connect(n.mcpUrl);
    clients.set(n, client);
  }
  return client;
}

type Outcome = { ok: true; answer: { value: unknown; stateHash: string | null; token?: string } } | { ok: false; code: string };

async function tool(n: NodeProc, name: string, args: Record<string, unknown>): Promise<Outcome> {
  try {
    const r = await (await clientOf(n)).callTool({ name, arguments: args });
    return { ok: true, answer: r.structuredContent as never };
  } catch (err) {
    const data = (err as { data?: { type?: string } }).data;
    if (data?.type) return { ok: false, code: data.type };
    throw err;
  }
}

async function namespaceAt(n: NodeProc, ns: string): Promise<{ deltas: number; states: Record<string, string> }> {
  return json(await n.admin("GET", `/blackboard/namespaces/${ns}`));
}

/** Ticks every node (each repairs with one replica in turn) until all hold the same states. */
async function settle(ns: string, nodes: NodeProc[], ms = 90_000): Promise<Record<string, string>> {
  const until = Date.now() + ms;
  for (;;) {
    await Promise.all(nodes.map(async (n) => json(await n.admin("POST", "/tick"))));
    // A node that has not heard of the namespace yet answers 404: not settled.
    const states = await Promise.all(nodes.map(async (n) => (await n.admin("GET", `/blackboard/namespaces/${ns}`)).json() as Promise<{ deltas: number; states: Record<string, string> }>));
    if (states.every((s) => JSON.stringify(s) === JSON.stringify(states[0]))) return states[0]!.states;
    if (Date.now() > until) throw new Error(`replicas did not settle: ${JSON.stringify(states.map((s) => s.deltas))}`);
  }
}

async function createNamespace(name: string, consistency: string): Promise<string> {
  const { descriptor } = await json<{ descriptor: { namespace: string } }>(await a.admin("POST", "/blackboard/namespaces", { name, replicas: [b.nodeId, c.nodeId], consistency }));
  // B and C hold it once a repair reached them (started with the creation).
  await settle(descriptor.namespace, [a, b, c], 30_000);
  return descriptor.namespace;
}

beforeAll(async () => {
  const bPort = await freePort();
  reachB = await switchProxy(await freePort(), bPort);
  // One at a time: three starting together on a loaded machine can miss the readiness wait.
  a = await openNode("alpha", { env: { NODE_SEED: seeds.a } });
  b = await openNode("bravo", { port: bPort, env: { NODE_SEED: seeds.b, PUBLIC_URL: reachB.url } });
  c = await openNode("charlie", { env: { NODE_SEED: seeds.c } });
  await json(await a.admin("POST", "/peers", { url: reachB.url }));
  await json(await a.admin("POST", "/peers", { url: c.url }));
  await json(await c.admin("POST", "/peers", { url: reachB.url }));
}, 180_000);

afterAll(async () => {
  for (const client of clients.values()) await client.close().catch(() => {});
  await Promise.all([a, b, c].map((n) => n?.stop()));
  await reachB?.close();
});

describe("eventual consistency on three nodes", () => {
  it("converges to identical states after concurrent writers, a restart and a dropped link", async () => {
    const ns = await createNamespace("eventual", "eventual");
    const random = seededRandom(17);
    let counted = 0;
    /** One phase: `writers` concurrent writers per node, `ops` random writes each. */
    const phase = async (nodes: NodeProc[], writers: number, ops: number) => {
      await Promise.all(
        nodes.flatMap((n) =>
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < ops; i++) {
              const r = random();
              let op: Record<string, unknown>;
              let key: string;
              if (r < 0.4) [key, op] = [`k${Math.floor(random() * 4)}`, { type: "register", op: "set", value: `${n.nodeId.slice(0, 6)}-${w}-${i}` }];
              else if (r < 0.7) [key, op] = ["n", { type: "counter", op: "add", amount: 1 + Math.floor(random() * 5) }];
              else [key, op] = ["s", { type: "set", op: random() < 0.7 ? "add" : "remove", element: `e${Math.floor(random() * 6)}` }];
              const got = await tool(n, "blackboard_put", { namespace: ns, key, op });
              expect(got.ok, JSON.stringify(got)).toBe(true);
              if (key === "n") counted += (op as { amount: number }).amount;
            }
          }),
        ),
      );
    };
    await phase([a, b, c], 3, 6);
    // C stops; A and B go on. Then B's inbound link drops: A's and C's pushes to B are lost.
    clients.get(c)?.close();
    clients.delete(c);
    await c.stop();
    await phase([a, b], 3, 4);
    reachB.off();
    c = await openNode("charlie", { port: c.port, dataDir: c.dataDir, env: { NODE_SEED: seeds.c } });
    await phase([a, b, c], 2, 4);
    expect(reachB.dropped()).toBeGreaterThan(0);
    // While the link is down, B lacks some of A's and C's writes.
    const [atA, atB] = await Promise.all([namespaceAt(a, ns), namespaceAt(b, ns)]);
    expect(atB.deltas).toBeLessThan(atA.deltas);
    reachB.on();
    const states = await settle(ns, [a, b, c]);
    expect(Object.keys(states).sort()).toEqual(expect.arrayContaining(["n", "s"]));
    for (const n of [a, b, c]) {
      const got = await tool(n, "blackboard_get", { namespace: ns, key: "n" });
      expect(got).toMatchObject({ ok: true, answer: { value: { type: "counter", value: counted }, stateHash: states.n } });
    }
  }, 300_000);
});

describe("session consistency on three nodes", () => {
  const versions: Versions<VersionVector> = {
    covers,
    encode: (v) => JSON.stringify(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))),
  };
  const vectorOf = (token: string) => decodeToken(token).claims.vector;

  it("keeps read-your-writes and monotonic reads for clients moving between nodes; a node behind fetches or says retry", async () => {
    const ns = await createNamespace("session", "session");
    // A write at A while B's link is down: B has not got it, so a read at B with the token must fetch it.
    reachB.off();
    const secret = "client-zero-session-secret";
    const w = await tool(a, "blackboard_put", { namespace: ns, key: "k0", op: { type: "register", op: "set", value: "first" }, session: secret });
    expect(w.ok).toBe(true);
    const token = (w as { answer: { token: string } }).answer.token;
    expect((await namespaceAt(b, ns)).states.k0).toBeUndefined();
    // Without a token B answers what it has: eventual reads may lag.
    expect(await tool(b, "blackboard_get", { namespace: ns, key: "k0", session: "another-client-secret!" })).toMatchObject({ ok: true, answer: { value: null, stateHash: null } });
    const r = await tool(b, "blackboard_get", { namespace: ns, key: "k0", session: secret, token });
    expect(r).toMatchObject({ ok: true, answer: { value: { type: "register", value: "first" } } });

    // Another client's token is refused, wherever it is shown.
    for (const n of [a, b, c]) expect(await tool(n, "blackboard_get", { namespace: ns, key: "k0", session: "a-thief-with-its-own-secret", token })).toEqual({ ok: false, code: "bad_token" });
    // A token whose bytes were altered is refused too.
    const [claims, sig] = token.split(".");
    const altered = JSON.parse(Buffer.from(claims!, "base64url").toString());
    altered.vector = {};
    expect(await tool(c, "blackboard_get", { namespace: ns, key: "k0", session: secret, token: `${Buffer.from(JSON.stringify(altered)).toString("base64url")}.${sig}` })).toEqual({ ok: false, code: "bad_token" });

    // Randomized clients, each moving to a random node per operation, with B's link down half the time.
    const random = seededRandom(7);
    const history: SessionOperation<VersionVector>[] = [];
    let retries = 0;
    const nodes = [a, b, c];
    await Promise.all(
      Array.from({ length: 4 }, async (_, id) => {
        const client = `client-${id}`;
        const sessionSecret = `${client}-secret-0123456789`;
        const tokens = new Map<string, string>();
        for (let i = 0; i < 12; i++) {
          if (id === 0 && i === 6) reachB.on();
          const key = `k${Math.floor(random() * 2)}`;
          const write = random() < 0.5;
          const value = `${client}-${i}`;
          for (let attempt = 0; attempt < 6; attempt++) {
            const n = nodes[Math.floor(random() * 3)]!;
            const args = { namespace: ns, key, session: sessionSecret, ...(tokens.has(key) ? { token: tokens.get(key) } : {}) };
            const call = performance.now();
            const got = write ? await tool(n, "blackboard_put", { ...args, op: { type: "register", op: "set", value } }) : await tool(n, "blackboard_get", args);
            const ret = performance.now();
            if (!got.ok) {
              expect(got.code).toBe("retry");
              retries++;
              continue;
            }
            tokens.set(key, got.answer.token!);
            const read = (got.answer.value as { value: string | null } | null)?.value ?? null;
            history.push({ client, key, kind: write ? "write" : "read", value: write ? value : read, token: vectorOf(got.answer.token!), call, return: ret });
            break;
          }
        }
      }),
    );
    reachB.on();
    expect(history.length, `${retries} retries`).toBeGreaterThan(30);
    expect(checkSessions(history, versions)).toEqual([]);
    // The checker does see violations when tokens are ignored: a history read at the stale node is caught.
    const stale: SessionOperation<VersionVector> = { ...history.find((h) => h.kind === "write")!, kind: "read", value: null, token: {}, call: 1e12, return: 1e12 + 1 };
    expect(checkSessions([...history, stale], versions).length).toBeGreaterThan(0);
  }, 300_000);
});

describe("bad input, refused with its code and nothing changed", () => {
  it("refuses a write without a grant, an oversize value, and forged deltas", async () => {
    const ns = await createNamespace("guarded", "eventual");
    expect((await tool(a, "blackboard_put", { namespace: ns, key: "k", op: { type: "register", op: "set", value: "kept" } })).ok).toBe(true);
    await settle(ns, [a, b, c]);
    const before = await Promise.all([a, b, c].map((n) => namespaceAt(n, ns)));

    // Writes to this namespace need a permission grant on A; reads do not.
    await json(await a.admin("POST", "/policy/rules", { effect: "grant", tool: `blackboard:${ns}`, note: "writes need a grant" }));
    await json(await a.admin("POST", "/policy/rules", { effect: "allow", tool: "blackboard_get", priority: 10 }));
    const ungranted = await (await clientOf(a)).callTool({ name: "blackboard_put", arguments: { namespace: ns, key: "k", op: { type: "register", op: "set", value: "stolen" } } }).catch((e: unknown) => e);
    expect(ungranted).toMatchObject({ data: { type: "grant_required" } });

    expect(await tool(b, "blackboard_put", { namespace: ns, key: "k", op: { type: "register", op: "set", value: "x".repeat(17 * 1024) } })).toEqual({ ok: false, code: "oversize" });
    expect(await tool(b, "blackboard_put", { namespace: ns, key: "k", op: { type: "counter", op: "add", amount: 1 } })).toEqual({ ok: false, code: "type_mismatch" });

    // Deltas sent to C in A's name: one altered after A signed it, one signed by a node that is no
    // replica, one past the size bound. C refuses each with its code.
    const p = await primitives();
    const signerOf = async (seed: string) => {
      const key = await signingKeyFromSeed(p, parseSeed(seed));
      return { nodeId: key.nodeId, sign: (m: Uint8Array, ctx: string) => key.signer.sign(m, ctx) };
    };
    const aSigner = await signerOf(seeds.a);
    const stranger = await signerOf(newSeed());
    const hlc = (Date.now() * 65536).toString(16).padStart(16, "0");
    const good = await signDelta({ namespace: ns, key: "k", hlc, writer: a.nodeId, op: { type: "register", op: "set", value: "forged" } }, aSigner);
    const altered = { ...good, op: { type: "register", op: "set", value: "altered" } };
    const foreign = await signDelta({ namespace: ns, key: "k", hlc, writer: stranger.nodeId, op: { type: "register", op: "set", value: "foreign" } }, stranger);
    const oversize = { ...good, op: { type: "register", op: "set", value: "x".repeat(17 * 1024) } };
    const request = await sealAs({ seed: seeds.a, id: a.nodeId }, c, "blackboard", { type: "push", descriptors: [], deltas: [altered, foreign, oversize] });
    const answer = await openedAnswer(request, await request.post());
    expect(answer).toMatchObject({ ok: true, result: { stored: 0, refused: [{ index: 0, code: "bad_signature" }, { index: 1, code: "not_a_replica" }, { index: 2, code: "oversize" }] } });

    const after = await Promise.all([a, b, c].map((n) => namespaceAt(n, ns)));
    expect(after).toEqual(before);
    expect(await tool(c, "blackboard_get", { namespace: ns, key: "k" })).toMatchObject({ ok: true, answer: { value: { type: "register", value: "kept" } } });
  }, 300_000);
});
