// The blackboard's MCP tools on a strong namespace (protocol §17.7, §17.8): two nodes in this
// process, each served on loopback and peered, the real MCP SDK client on each node's /mcp. A
// strong namespace's register is written, compare-and-set and deleted from either replica and read
// from the other; requests strong cannot serve are refused with their codes; with the other replica
// gone, a write answers `unavailable` (`applied: "no"` at the home, `"unknown"` forwarded to it)
// and the committed value is unchanged when it comes back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homeOf } from "../../src/protocol/blackboard/home.ts";
import { connect } from "../support/mcp.ts";
import { closeServer, inProcessNode, stopAll, listen, peerPair, type InProcessNode as Member } from "../support/in-process-node.ts";
import { json } from "../support/processes.ts";

const TOKEN = "strong-tools-admin-token-0123";

const members: Member[] = [];
let namespace: string;
/** A key whose home is A, and one whose home is B. */
let atA: string;
let atB: string;

type Answer = { consistency: string; value: unknown; stateHash: string | null; slot?: number; swapped?: boolean };
type Outcome = { ok: true; answer: Answer } | { ok: false; code: string; applied?: string };

async function tool(m: Member, name: string, args: Record<string, unknown>): Promise<Outcome> {
  try {
    const r = await m.client.callTool({ name, arguments: args });
    return { ok: true, answer: r.structuredContent as Answer };
  } catch (err) {
    const data = (err as { data?: { type?: string; applied?: string } }).data;
    if (data?.type) return { ok: false, code: data.type, ...(data.applied ? { applied: data.applied } : {}) };
    throw err;
  }
}

const put = (m: Member, key: string, value: unknown, extra: Record<string, unknown> = {}) => tool(m, "blackboard_put", { namespace, key, op: { type: "register", op: "set", value }, ...extra });
const get = (m: Member, key: string, extra: Record<string, unknown> = {}) => tool(m, "blackboard_get", { namespace, key, ...extra });

beforeAll(async () => {
  members.push(await inProcessNode("alpha", TOKEN), await inProcessNode("bravo", TOKEN));
  const [a, b] = members as [Member, Member];
  await peerPair(a, b);
  const described = await json<{ descriptor: { namespace: string; replicas: string[] }; missed: string[] }>(await a.admin("POST", "/blackboard/strong/namespaces", { name: "kv", replicas: [b.id] }));
  expect(described.missed).toEqual([]);
  namespace = described.descriptor.namespace;
  const keys = Array.from({ length: 64 }, (_, i) => `k${i}`);
  atA = keys.find((k) => homeOf(namespace, k, described.descriptor.replicas) === a.id)!;
  atB = keys.find((k) => homeOf(namespace, k, described.descriptor.replicas) === b.id)!;
  for (const m of members) m.client = await connect(`http://127.0.0.1:${m.port}/mcp`);
}, 60_000);

afterAll(() => stopAll(members));

describe("blackboard tools with strong consistency", () => {
  it("lists compare-and-set on blackboard_put", async () => {
    const { tools } = await members[0]!.client.listTools();
    const putTool = tools.find((t) => t.name === "blackboard_put");
    expect(putTool?.inputSchema.properties).toHaveProperty("expected");
  });

  it("writes, compares-and-sets and deletes from either replica; the other reads what was committed", async () => {
    const [a, b] = members as [Member, Member];
    for (const [writer, reader, key] of [[a, b, atA], [a, b, atB], [b, a, atA]] as const) {
      const before = await get(reader, key);
      expect(before.ok).toBe(true);
      const slot = before.ok ? before.answer.slot! : -1;
      const written = await put(writer, key, { from: writer.id, slot });
      expect(written).toEqual({ ok: true, answer: expect.objectContaining({ consistency: "strong", value: { type: "register", value: { from: writer.id, slot } }, stateHash: null, slot: slot + 1 }) });
      expect(await get(reader, key)).toEqual({ ok: true, answer: expect.objectContaining({ value: { type: "register", value: { from: writer.id, slot } }, slot: slot + 1 }) });
    }
    const held = await get(b, atB);
    const value = held.ok ? (held.answer.value as { value: unknown }).value : undefined;
    const missed = await put(b, atB, "not swapped", { expected: { value: "something else" } });
    expect(missed).toEqual({ ok: true, answer: expect.objectContaining({ swapped: false, value: { type: "register", value: null } }) });
    expect(await get(a, atB)).toEqual(held);
    const swapped = await put(a, atB, "swapped", { expected: { value } });
    expect(swapped).toEqual({ ok: true, answer: expect.objectContaining({ swapped: true, value: { type: "register", value: "swapped" } }) });
    const deleted = await tool(b, "blackboard_delete", { namespace, key: atB });
    expect(deleted.ok).toBe(true);
    expect(await get(a, atB)).toEqual({ ok: true, answer: expect.objectContaining({ value: { type: "register", value: null } }) });
    expect(await put(a, atB, "first", { expected: null })).toEqual({ ok: true, answer: expect.objectContaining({ swapped: true }) });
  });

  it("refuses what strong consistency does not serve, and changes nothing", async () => {
    const [a] = members as [Member, Member];
    const before = await get(a, atA);
    expect(await tool(a, "blackboard_put", { namespace, key: atA, op: { type: "counter", op: "add", amount: 1 } })).toEqual({ ok: false, code: "unsupported_consistency" });
    expect(await tool(a, "blackboard_delete", { namespace, key: atA, field: "f" })).toEqual({ ok: false, code: "unsupported_consistency" });
    expect(await get(a, atA, { consistency: "eventual" })).toEqual({ ok: false, code: "unsupported_consistency" });
    expect(await put(a, atA, "x".repeat(17 * 1024))).toEqual({ ok: false, code: "oversize" });
    expect(await get(a, atA)).toEqual(before);
    // An eventual namespace does not serve strong requests, nor compare-and-set.
    const { descriptor } = await json<{ descriptor: { namespace: string } }>(await a.admin("POST", "/blackboard/namespaces", { name: "plain", replicas: [] }));
    const plain = { namespace: descriptor.namespace, key: "k" };
    expect(await tool(a, "blackboard_get", { ...plain, consistency: "strong" })).toEqual({ ok: false, code: "unsupported_consistency" });
    expect(await tool(a, "blackboard_put", { ...plain, op: { type: "register", op: "set", value: 1 }, expected: null })).toEqual({ ok: false, code: "malformed" });
    expect(await tool(a, "blackboard_get", plain)).toEqual({ ok: true, answer: expect.objectContaining({ consistency: "eventual", value: null }) });
  });

  it("answers unavailable without the other replica, and the committed values stay", async () => {
    const [a, b] = members as [Member, Member];
    const [heldA, heldB] = [await get(a, atA), await get(a, atB)];
    await closeServer(b.server);
    try {
      // At the home, no majority of two: surely not applied. Forwarded to the home that is gone: maybe.
      expect(await put(a, atA, "lost")).toEqual({ ok: false, code: "unavailable", applied: "no" });
      expect(await put(a, atB, "lost")).toEqual({ ok: false, code: "unavailable", applied: "unknown" });
      expect(await get(a, atB)).toEqual({ ok: false, code: "unavailable", applied: "no" });
      // A read at the home needs no round.
      expect(await get(a, atA)).toEqual(heldA);
    } finally {
      b.server = listen(b.app, b.port);
    }
    expect(await get(a, atA)).toEqual(heldA);
    expect(await get(a, atB)).toEqual(heldB);
  }, 30_000);
});
