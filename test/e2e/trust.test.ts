// Privileges earned by trust, across five real node processes on loopback (issue 14). T runs
// PEER_POLICY=trust and vouches for V; N is a newcomer; P and Q serve the same replicable tool.
// - N says hello to T and waits, pending; it makes co-signed calls to V; V asserts its score of N
//   (TRUST_PUBLISH); T, which trusts V, lifts N past TRUST_PEER_TIER and its tick lets N in.
// - Q (nothing to T) warns T of P: nothing happens. V (trusted) warns T of N: T quarantines N, and
//   lifts it when V withdraws the warning.
// - T trusts P and Q alike (not at all) until it vouches for P: then its calls to the tool go to P,
//   and a share (TRUST_EXPLORATION) still goes to Q.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrivilegesTickReport } from "../../src/node/tick.ts";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, type NodeProc, type Upstream } from "../support/processes.ts";
import { tick } from "../support/tick.ts";

interface PeerView {
  id: string;
  state: string;
  theirState: string;
  quarantine: { source: string; reason: string } | null;
}
interface EntryView {
  origin: string;
  kind: string;
  key: string;
  tombstone: boolean;
  replicable?: boolean;
}

const EXPLORATION = 0.2;
const TIERS = "newcomer:0,known:0.05,trusted:0.4,core:0.8";

let up: Upstream;
let t: NodeProc;
let v: NodeProc;
let n: NodeProc;
let p: NodeProc;
let q: NodeProc;
let atT: Client;
let atN: Client;

const standing = async (at: NodeProc, node: string) => json<{ score: number; tier: string }>(await at.admin("GET", `/trust/${node}`));
const peerAt = async (at: NodeProc, node: string) => (await json<{ peers: PeerView[] }>(await at.admin("GET", "/peers"))).peers.find((x) => x.id === node);
const entriesAt = async (at: NodeProc) => (await json<{ entries: EntryView[] }>(await at.admin("GET", "/registry"))).entries;
const holds = async (at: NodeProc, origin: string, kind: string, key: string, tombstone = false) =>
  (await entriesAt(at)).some((e) => e.origin === origin && e.kind === kind && e.key === key && e.tombstone === tombstone);
const quarantinedAt = async (at: NodeProc) => (await json<{ quarantines: { node: string; status: string }[] }>(await at.admin("GET", "/quarantine"))).quarantines.filter((x) => x.status === "quarantined").map((x) => x.node);
const providerOf = (r: unknown) => ((r as { _meta?: Record<string, unknown> })._meta?.["mcpfed/relay"] as { provider: string }).provider;

/** A tick whose steps did not fail (test/support/tick.ts); its privileges report. */
async function privileges(at: NodeProc): Promise<Exclude<PrivilegesTickReport, { error: string }>> {
  return (await tick(at)).privileges as Exclude<PrivilegesTickReport, { error: string }>;
}

/** Calls the shared tool `times` times from T; how many each provider served. */
async function callsFromT(times: number): Promise<Map<string, number>> {
  const count = new Map<string, number>();
  for (let i = 0; i < times; i++) {
    const r = await atT.callTool({ name: "papa_everything_echo", arguments: { message: `call ${i}` } });
    expect(r.isError, JSON.stringify(r)).toBeFalsy();
    count.set(providerOf(r), (count.get(providerOf(r)) ?? 0) + 1);
  }
  return count;
}

beforeAll(async () => {
  up = await startEverything();
  // One after the other: five nodes starting at once on a busy machine can outlast startNode's wait.
  // T's operator sets its tiers and how much warning it takes: what a tier means is each node's own choice.
  t = await loopbackNode("tango", { env: { PEER_POLICY: "trust", TRUST_EXPLORATION: String(EXPLORATION), TRUST_TIERS: TIERS, TRUST_QUARANTINE_AT: "0.3" } });
  v = await loopbackNode("victor", { env: { PEER_POLICY: "open", TRUST_PUBLISH: "peers", TRUST_CREDIT_LIMITS: "newcomer:25" } });
  n = await loopbackNode("november", { env: { PEER_POLICY: "open" } });
  p = await loopbackNode("papa", { env: { PEER_POLICY: "open" } });
  q = await loopbackNode("quebec", { env: { PEER_POLICY: "open" } });
  // The operator's own additions are active whatever the policy.
  for (const other of [v, p, q]) expect((await json<{ peer: PeerView }>(await t.admin("POST", "/peers", { url: other.url }))).peer.state).toBe("active");
  for (const provider of [v, p, q]) expect((await provider.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  await json(await v.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers" }));
  await json(await v.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "per_call", amount: 10, unit: "credit" } }));
  for (const provider of [p, q]) await json(await provider.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", replicable: true }));
  await json(await t.admin("POST", "/trust/vouches", { subject: v.nodeId, weight: 100 }));
  atT = await connect(t.mcpUrl);
}, 240_000);

afterAll(async () => {
  await Promise.all([atT, atN].map((c) => c?.close()));
  await Promise.all([t, v, n, p, q, up].map((x) => x?.stop()));
});

describe("credit by tier", () => {
  it("refuses a newcomer's priced call that would take its debt past its tier's credit, and records nothing for it", async () => {
    await json(await n.admin("POST", "/peers", { url: v.url }));
    atN = await connect(n.mcpUrl);
    // V shared before N peered with it: N's tick pulls it.
    await eventually(async () => {
      await n.admin("POST", "/tick");
      expect((await atN.listTools()).tools.map((x) => x.name)).toEqual(expect.arrayContaining(["victor_everything_echo", "victor_everything_get-sum"]));
    }, 30_000);
    const sum = () => atN.callTool({ name: "victor_everything_get-sum", arguments: { a: 1, b: 2 } });
    // 10 and 20 credit owed are within newcomer:25; a third call would make 30.
    for (let i = 0; i < 2; i++) expect((await sum()).isError).toBeFalsy();
    const refused = await sum().then(
      () => undefined,
      (err: unknown) => err as { message: string; data?: { type?: string; code?: string } },
    );
    expect(refused?.data).toMatchObject({ type: "peer_credit_limit", code: "credit_limit" });
    expect(refused?.message).toContain("owes 20");
    const records = (await json<{ records: { status: string }[] }>(await v.admin("GET", `/ledger/records?peer=${n.nodeId}`))).records;
    expect(records).toHaveLength(2);
  }, 60_000);
});

describe("PEER_POLICY=trust", () => {
  it("keeps a newcomer pending, and lets it in once co-signed calls with a peer T trusts earned it the tier", async () => {
    await privileges(t);
    const hello = await json<{ peer: PeerView }>(await n.admin("POST", "/peers", { url: t.url }));
    expect(hello.peer.theirState).toBe("pending");
    expect((await peerAt(t, n.nodeId))?.state).toBe("pending");
    expect((await standing(t, n.nodeId)).tier).toBe("newcomer");
    // A tick without new evidence promotes nobody.
    expect((await privileges(t)).promoted).toEqual([]);
    expect((await peerAt(t, n.nodeId))?.state).toBe("pending");

    for (const message of ["one", "two", "three"]) expect((await atN.callTool({ name: "victor_everything_echo", arguments: { message } })).isError).toBeFalsy();
    await eventually(async () => {
      const records = (await json<{ records: { status: string }[] }>(await v.admin("GET", `/ledger/records?peer=${n.nodeId}`))).records;
      expect(records.map((r) => r.status)).toEqual(Array(5).fill("confirmed"));
    }, 10_000);

    // V scores N from the records and asserts it; the assertion reaches T by gossip.
    await privileges(v);
    expect((await standing(v, n.nodeId)).score).toBeGreaterThan(0);
    await eventually(async () => expect(await holds(t, v.nodeId, "assertion", n.nodeId)).toBe(true), 15_000);

    const promoted = await privileges(t);
    const earned = await standing(t, n.nodeId);
    expect(earned.tier).not.toBe("newcomer");
    expect(promoted.promoted).toEqual([{ id: n.nodeId, ok: true }]);
    expect((await peerAt(t, n.nodeId))?.state).toBe("active");
    // T told N at once, as an operator's approval does.
    expect((await peerAt(n, t.nodeId))?.theirState).toBe("active");
  }, 120_000);
});

describe("warnings weighed by the warner's trust", () => {
  it("ignores a warning from a node T does not trust", async () => {
    expect((await standing(t, q.nodeId)).tier).toBe("newcomer");
    const held = await cli(["peer", "quarantine", p.nodeId, "--reason", "test", "--warn", "fraud", "--url", q.url, "--token", q.adminToken], {});
    expect(held.code, held.stderr).toBe(0);
    expect(held.stdout).toContain("warning published");
    await eventually(async () => expect(await holds(t, q.nodeId, "warning", p.nodeId)).toBe(true), 15_000);
    const report = await privileges(t);
    expect(report.warned).toBe(0);
    expect(await quarantinedAt(t)).toEqual([]);
    const listed = await cli(["quarantine", "list", "--url", q.url, "--token", q.adminToken], {});
    expect(listed.stdout).toMatch(new RegExp(`${p.nodeId}\\s+quarantined\\s+operator`));
    const released = await cli(["peer", "release", p.nodeId, "--url", q.url, "--token", q.adminToken], {});
    expect(released.stdout).toContain("warning withdrawn");
  }, 60_000);

  it("quarantines a node a trusted peer warns of, and lets it out when the warning is withdrawn", async () => {
    await json(await v.admin("POST", `/peers/${n.nodeId}/quarantine`, { warn: { reason: "spam", text: "floods my tools" } }));
    // At V, the warner, N's calls are refused at once, and the refusal says why.
    const echo = () => atN.callTool({ name: "victor_everything_echo", arguments: { message: "held?" } });
    const refused = await echo().then(() => undefined, (err: unknown) => err as { data?: { type?: string } });
    expect(refused?.data).toMatchObject({ type: "peer_quarantined" });
    await eventually(async () => expect(await holds(t, v.nodeId, "warning", n.nodeId)).toBe(true), 15_000);
    const report = await privileges(t);
    expect(report.quarantined).toEqual([n.nodeId]);
    expect(await quarantinedAt(t)).toEqual([n.nodeId]);
    expect((await peerAt(t, n.nodeId))?.quarantine).toMatchObject({ source: "warnings" });
    // Short of a block: still a peer, but its calls are refused.
    expect((await peerAt(t, n.nodeId))?.state).toBe("active");

    const released = await json<{ warningsWithdrawn: number }>(await v.admin("DELETE", `/peers/${n.nodeId}/quarantine`));
    expect(released.warningsWithdrawn).toBe(1);
    await eventually(async () => expect(await holds(t, v.nodeId, "warning", n.nodeId, true)).toBe(true), 15_000);
    await privileges(t);
    expect(await quarantinedAt(t)).toEqual([]);
    expect((await peerAt(t, n.nodeId))?.quarantine).toBeNull();
    expect((await echo()).isError).toBeFalsy();
  }, 60_000);
});

describe("trust-aware provider choice", () => {
  it("moves to the more trusted of two equal providers, and still sends the exploration share to the other", async () => {
    await eventually(async () => {
      const echo = (await entriesAt(t)).filter((e) => e.kind === "tool" && e.key === "everything/echo" && !e.tombstone);
      expect(echo.filter((e) => e.replicable).map((e) => e.origin).sort()).toEqual([p.nodeId, q.nodeId].sort());
    }, 20_000);
    await eventually(async () => expect((await atT.listTools()).tools.map((x) => x.name)).toContain("papa_everything_echo"), 10_000);

    // Alike so far: T has neither called nor vouched for either. Calls now would be evidence too
    // (co-signed calls weigh more than a vouch), so the first calls come after the vouch.
    expect([(await standing(t, p.nodeId)).score, (await standing(t, q.nodeId)).score]).toEqual([0, 0]);
    await json(await t.admin("POST", "/trust/vouches", { subject: p.nodeId, weight: 100 }));
    await privileges(t);
    const [sp, sq] = [await standing(t, p.nodeId), await standing(t, q.nodeId)];
    expect(sp.score).toBeGreaterThan(0.3);
    expect(sq.score).toBe(0);

    const N = 120;
    const after = await callsFromT(N);
    const toQ = after.get(q.nodeId) ?? 0;
    // Q gets the exploration share, N × 0.2 = 24 expected (sd ≈ 4.4): bounds at about ±3.5 sd.
    expect(toQ).toBeGreaterThanOrEqual(9);
    expect(toQ).toBeLessThanOrEqual(40);
    expect(after.get(p.nodeId)).toBe(N - toQ);
  }, 180_000);
});

describe("policy rules that ask for a trust tier", () => {
  it("lets a peer call a tool only from the tier a rule names", async () => {
    const rule = async (body: Record<string, unknown>) => json<{ rule: { id: string } }>(await v.admin("POST", "/policy/rules", { subjectKind: "peer", tool: "everything_echo", ...body }));
    const echo = () => atN.callTool({ name: "victor_everything_echo", arguments: { message: "tiered" } });
    const denied = (await rule({ effect: "deny", priority: 20 })).rule.id;
    const core = (await rule({ effect: "allow", priority: 10, trustTier: "core" })).rule.id;
    const refused = await echo().then(() => undefined, (err: unknown) => err as { data?: { type?: string } });
    expect(refused?.data).toMatchObject({ type: "peer_forbidden" });
    // Every node reaches the first tier: a rule for it lets N through.
    await v.admin("DELETE", `/policy/rules/${core}`);
    await rule({ effect: "allow", priority: 10, trustTier: "newcomer" });
    await eventually(async () => expect((await echo()).isError).toBeFalsy(), 5000);
    // A tier no score falls in is refused: a deny by it would hold nothing back.
    expect((await v.admin("POST", "/policy/rules", { effect: "deny", subjectKind: "peer", trustTier: "gold" })).status).toBe(400);
    await v.admin("DELETE", `/policy/rules/${denied}`);
  }, 60_000);
});
