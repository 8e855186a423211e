// Sharing tools across real node processes on loopback: A–B–C in a line (A peers B, B peers C),
// A sharing tools of its server-everything upstream. Gossip runs as in production: pushes after
// each change, and ticks (POST /admin/tick) for push-pull and repair.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENVELOPE_CONTENT_TYPE } from "../../src/protocol/envelope/wire.ts";
import { seal } from "../../src/protocol/envelope/seal.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { exchangeReply } from "../../src/protocol/messages/gossip.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { unsignedFor } from "../support/entries.ts";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { withEverything } from "../support/node-with-everything.ts";
import { eventually, json, loopbackNode, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";
import { tick as tickOnce } from "../support/tick.ts";

interface EntryView {
  origin: string;
  key: string;
  visibility: string;
  tombstone: boolean;
}

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });

const registryOf = async (n: NodeProc) => (await json<{ entries: EntryView[] }>(await n.admin("GET", "/registry"))).entries;
const live = async (n: NodeProc, origin: string) =>
  (await registryOf(n)).filter((e) => e.origin === origin && !e.tombstone).map((e) => `${e.key} ${e.visibility}`).sort();
const share = async (n: NodeProc, tool: string, visibility: string) => json(await n.admin("POST", "/shares", { tool, visibility }));
const tick = async (...nodes: NodeProc[]) => {
  for (const n of nodes) await tickOnce(n);
};

// A's seed, so that the test can speak for A as B's peer.
const seedA = newSeed();
let everything: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;

beforeAll(async () => {
  // One after the other: three nodes starting at once on a busy machine can outlast startNode's wait.
  ({ node: a, everything } = await withEverything(openNode("alpha", { env: { NODE_SEED: seedA } })));
  // B forwards nothing (docs/protocol.md §12): C has no route to A.
  b = await openNode("bravo", { env: { ROUTES_OFFER: "none" } });
  c = await openNode("charlie");
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/peers", { url: c.url }));
}, 150_000);

afterAll(async () => {
  await Promise.all([a, b, c, everything].map((n) => n?.stop()));
});

describe("sharing along A–B–C", () => {
  it("spreads a public share to C, a peers share to B only, a private one nowhere", async () => {
    await share(a, "everything_echo", "public");
    await share(a, "everything_get-sum", "peers");
    await share(a, "everything_get-env", "private");
    expect(await live(a, a.nodeId)).toEqual(["everything/echo public", "everything/get-sum peers"]);
    await eventually(async () => expect(await live(b, a.nodeId)).toEqual(["everything/echo public", "everything/get-sum peers"]), 10_000);
    await eventually(async () => expect(await live(c, a.nodeId)).toEqual(["everything/echo public"]), 10_000);
  });

  it("keeps the public tool off C's catalog and search while A is not C's peer, and refuses a call by id with the reason", async () => {
    const id = `${a.nodeId}/everything/echo`;
    const client: Client = await connect(c.mcpUrl);
    try {
      // C holds the entry (above), but no provider of it is C's direct peer, and B forwards nothing: listed, it could only fail.
      const { tools } = await client.listTools();
      expect(tools.filter((t) => t._meta?.["mcpfed/origin"] === a.nodeId)).toEqual([]);
      const found = await client.callTool({ name: "search_tools", arguments: { query: "echo" } });
      const results = (found.structuredContent as { results: { name: string; origin: string }[] }).results;
      expect(results.filter((r) => r.origin === a.nodeId)).toEqual([]);

      await expect(client.callTool({ name: "call_tool", arguments: { id, arguments: { message: "hi" } } })).rejects.toMatchObject({
        data: { type: "peer_unreachable", origin: a.nodeId },
        message: expect.stringContaining("no peer of this node offers to forward"),
      });
      // The name it would have is no name at all.
      await expect(client.callTool({ name: `${a.nodeId.slice(0, 8)}_everything_echo`, arguments: { message: "hi" } })).rejects.toMatchObject({
        data: { type: "unknown_tool" },
      });
    } finally {
      await client.close();
    }
  });

  it("lists the peers-only tool on B under the peer's alias, which the operator can rename", async () => {
    const client = await connect(b.mcpUrl);
    try {
      const names = async () => (await client.listTools()).tools.map((t) => t.name);
      expect(await names()).toEqual(expect.arrayContaining(["alpha_everything_echo", "alpha_everything_get-sum"]));
      expect((await json<{ peer: { alias: string } }>(await b.admin("PATCH", `/peers/${a.nodeId}`, { alias: "shop" }))).peer.alias).toBe("shop");
      expect(await names()).toEqual(expect.arrayContaining(["shop_everything_echo", "shop_everything_get-sum"]));
      const reset = await cli(["peer", "alias", a.nodeId], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
      expect(reset.stdout).toBe(`${a.nodeId}'s tools now start with alpha_\n`);
    } finally {
      await client.close();
    }
  });

  it("takes a withdrawal on A off C's catalog", async () => {
    expect((await a.admin("DELETE", "/shares/everything/echo")).status).toBe(200);
    await eventually(async () => expect(await live(c, a.nodeId)).toEqual([]), 10_000);
    const client = await connect(c.mcpUrl);
    try {
      expect((await client.listTools()).tools.some((t) => t.name.endsWith("_everything_echo"))).toBe(false);
    } finally {
      await client.close();
    }
  });
});

describe("sharing from the CLI", () => {
  it("shares, lists shares and the registry, and unshares", async () => {
    const env = (n: NodeProc) => ({ MCPFED_URL: n.url, ADMIN_TOKEN: n.adminToken });
    const shared = await cli(["share", "everything_get-tiny-image", "--visibility", "peers", "--version", "2.1.0"], env(a));
    expect(shared, shared.stderr).toMatchObject({ code: 0, stdout: "shared everything/get-tiny-image (peers)\n" });
    const again = await cli(["share", "everything_get-tiny-image", "--visibility", "peers", "--version", "2.1.0"], env(a));
    expect(again.stdout).toBe("everything/get-tiny-image is already shared that way\n");
    expect((await cli(["shares"], env(a))).stdout).toMatch(/everything\/get-tiny-image\s+peers\s+2\.1\.0\s+live/);
    await eventually(async () => expect((await cli(["registry"], env(b))).stdout).toMatch(new RegExp(`${a.nodeId}\\s+everything/get-tiny-image\\s+peers\\s+2\\.1\\.0\\s+live`)), 10_000);
    expect(await cli(["unshare", "everything/get-tiny-image"], env(a))).toMatchObject({ code: 0, stdout: "withdrew everything/get-tiny-image\n" });
    const gone = await cli(["unshare", "everything/get-tiny-image"], env(a));
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("is not shared");
  });
});

describe("what gossip refuses, and how it heals", () => {
  it("refuses entries with a bad signature in a validly sealed exchange from a peer, and stores none", async () => {
    const p = await primitives();
    const keyA = await signingKeyFromSeed(p, parseSeed(seedA));
    expect(keyA.nodeId).toBe(a.nodeId);
    const stranger = await signingKeyFromSeed(p, crypto.getRandomValues(new Uint8Array(32)));
    const wall = Date.now() - 1000;
    // Signed by A, then a field changed; and one claiming A as origin but signed by another key.
    const tampered = (await signEntry(await unsignedFor(a.nodeId, { key: "demo/tampered", wall }), { nodeId: a.nodeId, sign: (m, c) => keyA.signer.sign(m, c) })).signed;
    const forged = await signEntry(await unsignedFor(a.nodeId, { key: "demo/forged", wall }), { nodeId: a.nodeId, sign: (m, c) => stranger.signer.sign(m, c) });
    const entries = [{ ...tampered, visibility: "peers" }, forged.signed];

    const card = (await (await fetch(`${b.url}/.well-known/mcpfed`)).json()) as Card;
    const sealed = await seal({
      primitives: p,
      signer: keyA.signer,
      from: a.nodeId,
      to: b.nodeId,
      recipientKey: card.keys.kem[0]!,
      version: "mcpfed/1",
      method: "POST",
      path: "/federation/v1/exchange",
      plaintext: new TextEncoder().encode(JSON.stringify({ entries })),
      now: Math.floor(Date.now() / 1000),
    });
    const res = await fetch(`${b.url}/federation/v1/exchange`, { method: "POST", headers: { "content-type": ENVELOPE_CONTENT_TYPE }, body: sealed.bytes as BodyInit });
    expect(res.status).toBe(200);
    const answer = JSON.parse(new TextDecoder().decode(await sealed.openResponse(new Uint8Array(await res.arrayBuffer())))) as { ok: boolean; result: unknown };
    expect(answer.ok).toBe(true);
    expect(exchangeReply.parse(answer.result)).toMatchObject({ refused: 2 });
    const held = await json<{ entries: EntryView[]; metrics: { rejected: Record<string, number> } }>(await b.admin("GET", "/registry"));
    expect(held.entries.filter((e) => e.key.startsWith("demo/"))).toEqual([]);
    expect(held.metrics.rejected.bad_signature).toBe(2);
  });

  it("converges after B was down while A shared: B restarts on its data, ticks catch up", async () => {
    await b.stop();
    await share(a, "everything_get-env", "public");
    b = await openNode("bravo", { port: b.port, dataDir: b.dataDir });
    await eventually(async () => {
      await tick(a, b, c);
      expect(await live(c, a.nodeId)).toEqual(["everything/get-env public"]);
    }, 20_000);
    expect(await live(b, a.nodeId)).toEqual(["everything/get-env public", "everything/get-sum peers"]);
  });
});

describe("a blocked origin", () => {
  it("has its entries refused by a node that blocked it, even when another peer relays them", async () => {
    // C knows A only to block it; A's entries can then reach C only through B.
    await json(await c.admin("POST", "/peers", { url: a.url }));
    await json(await c.admin("POST", `/peers/${a.nodeId}/block`));
    const before = await live(c, a.nodeId);
    await share(a, "everything_get-tiny-image", "public");
    await eventually(async () => expect(await live(b, a.nodeId)).toContain("everything/get-tiny-image public"), 10_000);
    await eventually(async () => {
      await tick(b, c);
      const held = await json<{ metrics: { rejected: Record<string, number> } }>(await c.admin("GET", "/registry"));
      expect(held.metrics.rejected.blocked_origin ?? 0).toBeGreaterThan(0);
    }, 10_000);
    expect(await live(c, a.nodeId)).toEqual(before);
  });
});
