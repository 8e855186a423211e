// Peering between real node processes on loopback, under each acceptance policy. One node runs
// on Node 24 (all-native crypto), the others on the Node running the tests (on Node 20, noble
// ML-DSA and ML-KEM, so that every hello and ping here also crosses implementation paths).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { verifyCard } from "../../src/protocol/card/verify.ts";
import { ENVELOPE_CONTENT_TYPE } from "../../src/protocol/envelope/wire.ts";
import { seal } from "../../src/protocol/envelope/seal.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { describe as label, noble, primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { cli } from "../support/cli.ts";
import { freePort, loopbackNode, type NodeProc, startNode, TOOLS } from "../support/processes.ts";

interface PeerView {
  id: string;
  name: string;
  state: string;
  theirState: string;
  version: string;
  features: string[];
}

const envNode = (name: string, env: Record<string, string> = {}, node?: string) => loopbackNode(name, { env, ...(node ? { node } : {}) });

const body = async <T>(res: Response): Promise<T> => (await res.json()) as T;
const idOf = async (n: NodeProc) => (await body<{ id: string }>(await n.admin("GET", "/identity"))).id;
const peersOf = async (n: NodeProc) => (await body<{ peers: PeerView[] }>(await n.admin("GET", "/peers"))).peers;
const peerOf = async (n: NodeProc, id: string) => (await peersOf(n)).find((p) => p.id === id);

describe("peering between node processes", () => {
  const seedA = newSeed();
  let a: NodeProc; // approve (the default); adds the others
  let open: NodeProc; // open, on Node 24
  let approve: NodeProc;
  let allow: NodeProc; // allowlist: only a
  let ids: Record<"a" | "open" | "approve" | "allow", string>;

  beforeAll(async () => {
    const aId = (await signingKeyFromSeed(await primitives(), parseSeed(seedA))).nodeId;
    [a, open, approve, allow] = await Promise.all([
      envNode("a", { NODE_SEED: seedA }),
      envNode("open", { PEER_POLICY: "open" }, join(TOOLS, "node")),
      envNode("approve", { PEER_POLICY: "approve" }),
      envNode("allow", { PEER_POLICY: "allowlist", PEER_ALLOWLIST: aId }),
    ]);
    ids = { a: await idOf(a), open: await idOf(open), approve: await idOf(approve), allow: await idOf(allow) };
    expect(ids.a).toBe(aId);
    const crypto = async (n: NodeProc) => (await body<{ crypto: string }>(await n.admin("GET", "/identity"))).crypto;
    expect(await crypto(open)).toBe("ML-DSA-65 native, Ed25519 native, ML-KEM-768 native, X25519 native");
    // `a` runs on the Node running this test: noble post-quantum on Node 20, all native on Node 24.
    expect(await crypto(a)).toBe(label(await primitives()));
  });

  afterAll(async () => {
    await Promise.all([a, open, approve, allow].map((n) => n?.stop()));
  });

  it("serves a card that verifies, with its id, keys and versions", async () => {
    const raw = await body<Card>(await fetch(`${open.url}/.well-known/mcpfed`));
    for (const p of [noble, await primitives()]) {
      const { card } = await verifyCard(raw, { primitives: p, now: Math.floor(Date.now() / 1000), skew: 60 });
      expect(card).toMatchObject({ id: ids.open, name: "open", url: open.url, mcp: `${open.url}/mcp`, versions: ["mcpfed/1"] });
      expect(card.keys.kem).toHaveLength(1);
    }
  });

  it("refuses to add a URL the SSRF guard refuses, or its own card", async () => {
    const creds = await a.admin("POST", "/peers", { url: "http://user:secret@127.0.0.1:1" });
    expect(creds.status).toBe(400);
    expect(await creds.text()).toContain("(invalid_url)");
    const self = await a.admin("POST", "/peers", { url: a.url });
    expect(self.status).toBe(400);
    expect(await self.text()).toContain("(self)");
  });

  it("open: both sides active at once, and sealed pings go both ways", async () => {
    const res = await a.admin("POST", "/peers", { url: open.url });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await body<{ peer: PeerView }>(res)).peer).toMatchObject({ id: ids.open, state: "active", theirState: "active", version: "mcpfed/1", features: ["ping", "relay-interaction", "relay-passed-input", "ledger-checkpoints", "channel", "channel-first", "channel-lane-answers", "privacy-pass", "index-agents", "trace-context", "index-xor", "route-forward", "ohttp-relay", "ohttp-gateway", "onion-hop", "onion-exit"] });
    expect(await peerOf(open, ids.a)).toMatchObject({ state: "active", theirState: "active", name: "a" });

    for (const [from, to] of [[a, ids.open], [open, ids.a]] as const) {
      const ping = await from.admin("POST", `/peers/${to}/ping`);
      expect(ping.status, await ping.clone().text()).toBe(200);
      expect((await body<{ pong: { at: number } }>(ping)).pong.at).toBeGreaterThan(0);
    }
  });

  it("approve: pending until the operator approves, then the approval reaches the other side", async () => {
    const res = await a.admin("POST", "/peers", { url: approve.url });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await body<{ peer: PeerView }>(res)).peer).toMatchObject({ state: "active", theirState: "pending" });
    expect(await peerOf(approve, ids.a)).toMatchObject({ state: "pending", theirState: "active" });

    const refused = await a.admin("POST", `/peers/${ids.approve}/ping`);
    expect(refused.status).toBe(502);
    expect(await refused.text()).toContain("pending_sender");

    const ok = await approve.admin("POST", `/peers/${ids.a}/approve`);
    expect((await body<{ peer: PeerView; hello: { ok: boolean } }>(ok))).toMatchObject({ peer: { state: "active" }, hello: { ok: true } });
    expect(await peerOf(a, ids.approve)).toMatchObject({ state: "active", theirState: "active" });
    expect((await a.admin("POST", `/peers/${ids.approve}/ping`)).status).toBe(200);
  });

  it("allowlist: a listed node becomes active; any other is refused and not stored", async () => {
    const listed = await a.admin("POST", "/peers", { url: allow.url });
    expect(listed.status, await listed.clone().text()).toBe(201);
    expect((await body<{ peer: PeerView }>(listed)).peer).toMatchObject({ state: "active", theirState: "active" });

    const other = await open.admin("POST", "/peers", { url: allow.url });
    expect(other.status).toBe(502);
    expect(await other.text()).toContain("not_allowed");
    expect(await peerOf(allow, ids.open)).toBeUndefined();
    expect(await peerOf(open, ids.allow)).toBeUndefined();
  });

  it("blocking refuses all of a node's traffic, hellos included, until unblocked", async () => {
    expect((await open.admin("POST", `/peers/${ids.a}/block`)).status).toBe(200);
    const ping = await a.admin("POST", `/peers/${ids.open}/ping`);
    expect(ping.status).toBe(502);
    expect(await ping.text()).toContain("blocked_sender");
    const hello = await a.admin("POST", "/peers", { url: open.url });
    expect(hello.status).toBe(502);
    expect(await hello.text()).toContain("blocked_sender");
    expect(await peerOf(open, ids.a)).toMatchObject({ state: "blocked" });

    expect((await open.admin("POST", `/peers/${ids.a}/unblock`)).status).toBe(200);
    expect((await a.admin("POST", `/peers/${ids.open}/ping`)).status).toBe(200);
  });

  it("refuses a hello whose card names a URL the sender does not control (not_allowed, as every refusal of a hello)", async () => {
    // This node claims open's URL; open's card, served there, is another node's.
    const impostor = await startNode({ port: await freePort(), env: { NODE_NAME: "impostor", PUBLIC_URL: open.url, PEER_POLICY: "open" } });
    try {
      const res = await impostor.admin("POST", "/peers", { url: approve.url });
      expect(res.status).toBe(502);
      expect(await res.text()).toContain("not_allowed");
      expect((await peersOf(approve)).map((p) => p.name)).not.toContain("impostor");
    } finally {
      await impostor.stop();
    }
  });

  it("refuses envelopes from a node that never said hello, and garbage, with their codes", async () => {
    const card = await body<Card>(await fetch(`${open.url}/.well-known/mcpfed`));
    const p = await primitives();
    const stranger = await signingKeyFromSeed(p, crypto.getRandomValues(new Uint8Array(32)));
    const sealed = await seal({
      primitives: p,
      signer: stranger.signer,
      from: stranger.nodeId,
      to: card.id,
      recipientKey: card.keys.kem[0]!,
      version: "mcpfed/1",
      method: "POST",
      path: "/federation/v1/ping",
      plaintext: new TextEncoder().encode('{"type":"ping"}'),
      now: Math.floor(Date.now() / 1000),
    });
    const post = (b: Uint8Array) => fetch(`${open.url}/federation/v1/ping`, { method: "POST", headers: { "content-type": ENVELOPE_CONTENT_TYPE }, body: b as BodyInit });
    const unknown = await post(sealed.bytes);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: { code: "unknown_sender" } });
    const truncated = await post(Uint8Array.of(0, 5, 1, 2, 3));
    expect(truncated.status).toBe(400);
    expect(await truncated.json()).toMatchObject({ error: { code: "malformed" } });
    const huge = await post(new TextEncoder().encode("not an envelope"));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: "too_large" } });
  });

  it("is driven from the CLI: identity, peer list, block, unblock, ping, remove", async () => {
    const env = { MCPFED_URL: a.url, ADMIN_TOKEN: a.adminToken };
    const who = await cli(["identity"], env);
    expect(who.code, who.stderr).toBe(0);
    expect(who.stdout).toContain(ids.a);

    const list = await cli(["peer", "list"], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${ids.approve}\\s+approve\\s+active\\s+active\\s+mcpfed/1`, "m"));

    const blocked = await cli(["peer", "block", ids.approve], env);
    expect(blocked.stdout).toContain("now blocked");
    expect((await cli(["peer", "unblock", ids.approve], env)).stdout).toContain("now active");
    const ping = await cli(["peer", "ping", ids.approve], env);
    expect(ping.code, ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/^pong from \S+ in \d+ ms/);

    expect((await cli(["peer", "remove", ids.approve], env)).code).toBe(0);
    expect(await peerOf(a, ids.approve)).toBeUndefined();
    const again = await cli(["peer", "add", approve.url], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`added peer ${ids.approve}`);
    const missing = await cli(["peer", "ping", "nosuchpeer"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no such peer");
  });
});
