// blackboard_watch (protocol §17.7, "Watching") with the real MCP SDK client: two nodes in this
// process, each served on loopback and peered, an eventual namespace of A's replicated by both.
// A watch answers the keys changed after its cursor, each once with its value now; it is bounded
// in items (`more`) and in time (an empty answer once wait_ms passes); it wakes as soon as a
// delta of the namespace is stored in its process, a local write or one pushed by B; it filters
// by key prefix; it refuses what it cannot watch with the blackboard's typed codes; a cursor from
// before a restore of the node's store, or from another node, is refused as stale, and a watch
// without one then answers every key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { inProcessNode, peerPair, stopAll, type InProcessNode as Member } from "../support/in-process-node.ts";
import { eventually, json } from "../support/processes.ts";

const TOKEN = "watch-tools-admin-token-012345";

interface Watched {
  namespace: string;
  cursor: string;
  changes: { key: string; value: unknown; stateHash: string }[];
  more: boolean;
}

const members: Member[] = [];
let namespace: string;
let strongNamespace: string;

async function watch(m: Member, args: Record<string, unknown>): Promise<Watched> {
  const r = await m.client.callTool({ name: "blackboard_watch", arguments: { namespace, ...args } });
  return r.structuredContent as unknown as Watched;
}

async function refusal(m: Member, args: Record<string, unknown>): Promise<string | undefined> {
  const err = await m.client.callTool({ name: "blackboard_watch", arguments: args }).then(
    () => undefined,
    (e: unknown) => e as { code: number; data?: { type?: string } },
  );
  return err?.data?.type ?? (err ? `mcp ${err.code}` : undefined);
}

const put = (m: Member, key: string, value: unknown) => m.client.callTool({ name: "blackboard_put", arguments: { namespace, key, op: { type: "register", op: "set", value } } });
const add = (m: Member, key: string, amount: number) => m.client.callTool({ name: "blackboard_put", arguments: { namespace, key, op: { type: "counter", op: "add", amount } } });

beforeAll(async () => {
  members.push(await inProcessNode("alpha", TOKEN), await inProcessNode("bravo", TOKEN));
  const [a, b] = members as [Member, Member];
  await peerPair(a, b);
  namespace = (await json<{ descriptor: { namespace: string } }>(await a.admin("POST", "/blackboard/namespaces", { name: "watched", replicas: [b.id] }))).descriptor.namespace;
  strongNamespace = (await json<{ descriptor: { namespace: string } }>(await a.admin("POST", "/blackboard/strong/namespaces", { name: "kv", replicas: [b.id] }))).descriptor.namespace;
  for (const m of members) m.client = await connect(`http://127.0.0.1:${m.port}/mcp`);
  // B holds the namespace once A's repair on creating it reached B.
  await eventually(async () => expect((await b.admin("GET", `/blackboard/namespaces/${namespace}`)).status).toBe(200), 20_000);
}, 60_000);

afterAll(() => stopAll(members));

describe("blackboard_watch", () => {
  it("answers the keys changed after the cursor, each once with its value now, then nothing new", async () => {
    const a = members[0]!;
    const start = await watch(a, {});
    await put(a, "plan/1", "draft");
    await add(a, "votes", 2);
    await put(a, "plan/1", "final");
    const w = await watch(a, { cursor: start.cursor });
    // plan/1 changed twice: named once, at its last change, with its value now.
    expect(w.changes).toEqual([
      { key: "votes", value: { type: "counter", value: 2 }, stateHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { key: "plan/1", value: { type: "register", value: "final" }, stateHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(w.more).toBe(false);
    const again = await watch(a, { cursor: w.cursor });
    expect(again).toEqual({ namespace, cursor: w.cursor, changes: [], more: false });
  });

  it("is bounded in items: `more` says to ask again, and paging misses nothing", async () => {
    const a = members[0]!;
    const { cursor } = await watch(a, { cursor: (await watch(a, {})).cursor });
    for (const k of ["p1", "p2", "p3", "p4", "p5"]) await put(a, `page/${k}`, k);
    const seen: string[] = [];
    let at = cursor;
    for (let i = 0; i < 10; i++) {
      const w = await watch(a, { cursor: at, limit: 2 });
      expect(w.changes.length).toBeLessThanOrEqual(2);
      seen.push(...w.changes.map((c) => c.key));
      at = w.cursor;
      if (!w.more) break;
    }
    expect(seen).toEqual(["page/p1", "page/p2", "page/p3", "page/p4", "page/p5"]);
  });

  it("is bounded in time: with nothing new it answers empty once wait_ms has passed", async () => {
    const a = members[0]!;
    const { cursor } = await watch(a, { limit: 100 }).then(async function last(w): Promise<Watched> {
      return w.more ? watch(a, { cursor: w.cursor }).then(last) : w;
    });
    expect(await watch(a, { cursor, wait_ms: 300 })).toEqual({ namespace, cursor, changes: [], more: false });
  });

  // The watches below wait up to 30 s; the test's own limit is 20 s, so only an early wake passes.
  it("wakes as soon as a local write lands", { timeout: 20_000 }, async () => {
    const a = members[0]!;
    let { cursor, more } = await watch(a, {});
    while (more) ({ cursor, more } = await watch(a, { cursor }));
    const waiting = watch(a, { cursor, wait_ms: 30_000 });
    await put(a, "woken/local", 1);
    expect((await waiting).changes).toEqual([expect.objectContaining({ key: "woken/local" })]);
  });

  it("wakes when a write made on the other replica is pushed here", { timeout: 20_000 }, async () => {
    const [a, b] = members as [Member, Member];
    let { cursor, more } = await watch(a, { prefix: "woken/remote" });
    while (more) ({ cursor, more } = await watch(a, { cursor, prefix: "woken/remote" }));
    const waiting = watch(a, { cursor, wait_ms: 30_000, prefix: "woken/remote" });
    await put(b, "woken/remote", "from bravo");
    expect((await waiting).changes).toEqual([expect.objectContaining({ key: "woken/remote", value: { type: "register", value: "from bravo" } })]);
  });

  it("filters by key prefix", async () => {
    const a = members[0]!;
    const { cursor } = await watch(a, { prefix: "only/" });
    await put(a, "other/x", 1);
    await put(a, "only/y", 2);
    const w = await watch(a, { cursor, prefix: "only/" });
    expect(w.changes.map((c) => c.key)).toEqual(["only/y"]);
  });

  it("answers the operator through the admin API as the tool answers a client", async () => {
    const a = members[0]!;
    const viaTool = await watch(a, { limit: 3 });
    const viaAdmin = await json<Watched>(await a.admin("POST", "/blackboard/watch", { namespace, limit: 3 }));
    expect(viaAdmin).toEqual(viaTool);
  });

  it("refuses what it cannot watch, with the blackboard's codes", async () => {
    const a = members[0]!;
    expect(await refusal(a, { namespace: strongNamespace })).toBe("unsupported_consistency");
    expect(await refusal(a, { namespace: `${a.id}/nothing-here` })).toBe("unknown_namespace");
    expect(await refusal(a, { namespace, cursor: "-1" })).toBe("mcp -32602");
    expect(await refusal(a, { namespace, wait_ms: 30_001 })).toBe("mcp -32602");
    expect(await refusal(a, { namespace, limit: 101 })).toBe("mcp -32602");
  });

  it("refuses a cursor from before a restore, or from another node, as stale; without one it answers every key again", async () => {
    const [a, b] = members as [Member, Member];
    await put(a, "restore/before", "kept");
    const backup = new Uint8Array(await (await a.admin("GET", "/backup")).arrayBuffer());
    const { cursor } = await watch(a, { limit: 100 }).then(async function last(w): Promise<Watched> {
      return w.more ? last(await watch(a, { cursor: w.cursor, limit: 100 })) : w;
    });
    expect(await watch(a, { cursor })).toMatchObject({ changes: [] });
    expect(await refusal(b, { namespace, cursor })).toBe("stale_cursor");
    // A cursor as nodes gave them before cursors named their store's generation.
    expect(await refusal(a, { namespace, cursor: cursor.slice(cursor.indexOf(".") + 1) })).toBe("stale_cursor");
    const restored = await fetch(`http://127.0.0.1:${a.port}/admin/restore?replace=true`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: backup });
    expect(restored.status).toBe(200);
    expect(await refusal(a, { namespace, cursor })).toBe("stale_cursor");
    const again = await watch(a, { limit: 100 });
    expect(again.changes.map((c) => c.key)).toContain("restore/before");
    await put(a, "restore/after", "new");
    expect((await watch(a, { cursor: again.cursor })).changes.map((c) => c.key)).toEqual(["restore/after"]);
  });
});
