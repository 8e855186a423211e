// Trust scores across three real node processes on loopback (issue 14). A calls B's and C's
// shared tools; B vouches for C. What A computes on its tick: calls raise the callee's score
// (explain names the interaction evidence), B's vouch lifts C from nothing, and when C equivocates
// (signs a second receipt for a call A holds confirmed: the test signs it with C's own key, from
// the NODE_SEED it gave C) C loses standing and B, its voucher, loses some too. Ratings, at B:
// A's, proven by its co-signed record, counts; C's with a forged proof does not; a flood of
// ratings from strangers without standing leaves the tool's rating as it was.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import type { LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { RECEIPT_CONTEXT, receiptBytes } from "../../src/protocol/ledger/signing.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import type { EntrySigner } from "../../src/protocol/registry/signing.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import type { UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import type { RatingBody } from "../../src/protocol/registry/trust-entries.ts";
import type { TickReport, TrustTickReport } from "../../src/node/tick.ts";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, type NodeProc, type Upstream } from "../support/processes.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { stranger, type Stranger } from "../support/stranger.ts";
import { tick } from "../support/tick.ts";

interface Why {
  penalty: number;
  inflow: { from: string; kind: string; share: number }[];
  staked: { subject: string; penalty: number }[];
  interactions?: { confirmed: number; disputed: number; succeeded: number; failed: number; uptime: number };
  vouchedBy: { origin: string; weight: number }[];
  assertedBy: { origin: string; score: number; tier: string }[];
}
interface Trust {
  node: string;
  score: number;
  tier: string;
  why: Why;
}
interface Rating {
  stars: number | null;
  counted: number;
  ignored: number;
  ratings: { rater: string; stars: number; counted: boolean; reason?: string }[];
}

let up: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
const seedC = newSeed();
let client: Client;
const strangers: Stranger[] = [];

const trustAt = async (at: NodeProc, node: string) => json<Trust>(await at.admin("GET", `/trust/${node}`));
const ratingAt = async (at: NodeProc, tool: string) => json<Rating>(await at.admin("GET", `/trust/ratings?tool=${encodeURIComponent(tool)}`));

/** A tick that failed nowhere (its trust step included); its trust report. */
async function trustTick(node: NodeProc): Promise<TrustTickReport> {
  return (await tick(node)).trust;
}

async function records(at: NodeProc, peer: string): Promise<{ id: string; status: string; record: LedgerRecord }[]> {
  return (await json<{ records: { id: string; status: string; record: LedgerRecord }[] }>(await at.admin("GET", `/ledger/records?peer=${peer}`))).records;
}

/** Signs `body` as a rating entry of `signer`'s and pushes it to `to` in gossip's exchange message; the number refused. */
async function pushRating(from: { seed: string; id: string }, signer: EntrySigner, to: NodeProc, body: RatingBody): Promise<number> {
  const unsigned = { origin: from.id, kind: "rating", key: `${body.toolOrigin}/${body.tool}`, visibility: "peers", hlc: encodeHlc({ wall: Date.now(), counter: 0 }), tombstone: false, body } as UnsignedEntry;
  const entry = await signEntry(unsigned, signer);
  const request = await sealAs(from, to, "exchange", { entries: [entry.signed] });
  const answer = await openedAnswer(request, await request.post());
  expect(answer.ok, JSON.stringify(answer)).toBe(true);
  return (answer.result as { refused: number }).refused;
}

async function signerFrom(seed: string): Promise<EntrySigner & { signEd25519(m: Uint8Array, c: string): Promise<Uint8Array> }> {
  const k = await signingKeyFromSeed(await primitives(), parseSeed(seed));
  return { nodeId: k.nodeId, sign: (m, ctx) => k.signer.sign(m, ctx), signEd25519: (m, ctx) => k.signer.signEd25519(m, ctx) };
}

beforeAll(async () => {
  up = await startEverything();
  [a, b, c] = await Promise.all([
    loopbackNode("alpha", { env: { PEER_POLICY: "open", TRUST_PUBLISH: "peers" } }),
    loopbackNode("bravo", { env: { PEER_POLICY: "open" } }),
    loopbackNode("charlie", { env: { PEER_POLICY: "open", NODE_SEED: seedC } }),
  ]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await a.admin("POST", "/peers", { url: c.url }));
  await json(await b.admin("POST", "/peers", { url: c.url }));
  for (const provider of [b, c]) {
    expect((await provider.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
    await json(await provider.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers" }));
  }
  client = await connect(a.mcpUrl);
  await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(["bravo_everything_echo", "charlie_everything_echo"])), 20_000);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, c].map((n) => n?.stop()));
  await Promise.all(strangers.map((s) => s.close()));
  await up?.stop();
});

describe("trust scores from what a node saw and what its peers signed", () => {
  it("raises the callee's score at the caller with co-signed calls, and explains it by the interaction", async () => {
    await trustTick(a);
    expect((await trustAt(a, b.nodeId)).score).toBe(0);
    for (const message of ["one", "two", "three"]) await client.callTool({ name: "bravo_everything_echo", arguments: { message } });
    expect((await records(a, b.nodeId)).map((r) => r.status)).toEqual(["confirmed", "confirmed", "confirmed"]);

    const report = await trustTick(a);
    expect(report).toMatchObject({ collected: { records: 3, calls: 1 } });
    const t = await trustAt(a, b.nodeId);
    expect(t.score).toBeGreaterThan(0);
    expect(t.why.inflow[0]).toMatchObject({ from: a.nodeId, kind: "interaction" });
    expect(t.why.interactions?.confirmed).toBeCloseTo(3, 2);
    expect(t.why.interactions?.succeeded).toBeCloseTo(3, 2);
    expect(t.why.interactions?.disputed).toBe(0);

    // The same, for an agent before it calls, and for the operator.
    const read = await client.readResource({ uri: `trust://node/${b.nodeId}` });
    const resource = JSON.parse((read.contents[0] as { text: string }).text) as { score: number; tier: string; why: { inflow: { kind: string }[] } };
    expect(resource.score).toBeCloseTo(t.score, 3);
    expect(resource.tier).toBe(t.tier);
    expect(resource.why.inflow.map((x) => x.kind)).toContain("interaction");
    const shown = await cli(["trust", b.nodeId, "--why", "--url", a.url, "--token", a.adminToken], {});
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/3\.0 confirmed/);
    expect(shown.stdout).toContain("interaction");
  }, 60_000);

  it("lifts a newcomer with a vouch from a node it trusts", async () => {
    await trustTick(a);
    expect((await trustAt(a, c.nodeId)).score).toBe(0);
    const vouched = await cli(["vouch", c.nodeId, "--weight", "100", "--url", b.url, "--token", b.adminToken], {});
    expect(vouched.code, vouched.stderr).toBe(0);
    expect(vouched.stdout).toContain(`published vouch ${c.nodeId}`);
    // Gossip carries the vouch to A (one peer per tick); A's next computation counts it.
    const t = await eventually(async () => {
      await trustTick(b);
      await trustTick(a);
      const t = await trustAt(a, c.nodeId);
      expect(t.score).toBeGreaterThan(0);
      return t;
    }, 30_000);
    expect(t.why.vouchedBy).toEqual([expect.objectContaining({ origin: b.nodeId, weight: 100 })]);
    expect(t.why.inflow).toEqual([expect.objectContaining({ from: b.nodeId, kind: "vouch", share: 1 })]);
    // B's vouch lends B's trust: C stays below B.
    expect(t.score).toBeLessThan((await trustAt(a, b.nodeId)).score);
  }, 60_000);

  it("takes standing from a node whose records are disputed, and part of it from its voucher", async () => {
    for (const message of ["four", "five"]) await client.callTool({ name: "charlie_everything_echo", arguments: { message } });
    await trustTick(a);
    const [bBefore, cBefore] = [await trustAt(a, b.nodeId), await trustAt(a, c.nodeId)];
    expect(cBefore.why.interactions?.confirmed).toBeCloseTo(2, 2);
    expect(bBefore.why.staked).toEqual([]);

    // C signs a second receipt, with another result, for a call A holds confirmed: A takes it as a
    // peer's record would come, and the held record is disputed.
    const held = (await records(a, c.nodeId))[0]!.record;
    const signer = await signerFrom(seedC);
    const other: LedgerRecord = { intent: held.intent, receipt: { ...held.receipt, result: `sha256:${"0".repeat(64)}` }, sigs: { intent: held.sigs.intent, receipt: "" } };
    const bytes = receiptBytes(other);
    other.sigs.receipt = toBase64url(held.intent.suite ? await signer.signEd25519(bytes, RECEIPT_CONTEXT) : await signer.sign(bytes, RECEIPT_CONTEXT));
    const restored = await json<{ results: { outcome: string }[] }>(await a.admin("POST", "/ledger/records", { records: [other] }));
    expect(restored.results).toEqual([expect.objectContaining({ outcome: "disputed" })]);

    await trustTick(a);
    const [bAfter, cAfter] = [await trustAt(a, b.nodeId), await trustAt(a, c.nodeId)];
    expect(cAfter.why.interactions?.disputed).toBeCloseTo(1, 2);
    expect(cAfter.why.penalty).toBeGreaterThan(0);
    expect(cAfter.score).toBeLessThan(cBefore.score);
    expect(bAfter.why.staked).toEqual([expect.objectContaining({ subject: c.nodeId })]);
    expect(bAfter.why.penalty).toBeGreaterThan(0);
    expect(bAfter.score).toBeLessThan(bBefore.score);
  }, 60_000);

  it("publishes its scores as assertions (TRUST_PUBLISH), which a peer counts from a node it trusts", async () => {
    const report = await trustTick(a);
    expect(report).toMatchObject({ assertions: { published: expect.any(Number) } });
    // C served A's calls, so it trusts A; it knows nothing of B but A's assertion.
    const t = await eventually(async () => {
      await trustTick(a);
      await trustTick(c);
      const t = await trustAt(c, b.nodeId);
      expect(t.why.assertedBy).toEqual([expect.objectContaining({ origin: a.nodeId, tier: "known" })]);
      return t;
    }, 30_000);
    // Re-signed only when the score moves by 20‰ or more.
    expect(Math.abs(t.why.assertedBy[0]!.score - (await trustAt(a, b.nodeId)).score * 1000)).toBeLessThan(20);
    expect(t.score).toBeGreaterThan(0);
    expect(t.why.inflow).toEqual([expect.objectContaining({ from: a.nodeId, kind: "assertion" })]);
  }, 60_000);
});

describe("ratings", () => {
  const tool = () => `${b.nodeId}/everything/echo`;

  it("count only with a valid proof, and a flood from nodes without standing changes nothing", async () => {
    // C never called B's echo: it has no record to prove a rating with.
    const refused = await c.admin("POST", "/trust/ratings", { tool: tool(), stars: 1 });
    expect(refused.status).toBe(409);

    const rated = await cli(["rate", "bravo_everything_echo", "4", "does what it says", "--url", a.url, "--token", a.adminToken], {});
    expect(rated.code, rated.stderr).toBe(0);
    // B trusts A from the calls it served; A's rating reaches B by gossip.
    const first = await eventually(async () => {
      await trustTick(a);
      await trustTick(b);
      const r = await ratingAt(b, tool());
      expect(r.counted).toBe(1);
      return r;
    }, 30_000);
    expect(first).toMatchObject({ stars: 4, ignored: 0, ratings: [expect.objectContaining({ rater: a.nodeId, stars: 4, counted: true })] });
    // An agent at A reads the same rating before it calls the tool.
    const read = await client.readResource({ uri: `trust://tool/${encodeURIComponent(tool())}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ tool: tool(), stars: 4, counted: 1 });
    await expect(client.readResource({ uri: "trust://node/not a node" })).rejects.toThrow(/not found/i);

    // C, whom B vouched for, signs a rating whose proof is A's record made out to C: its signatures do not hold.
    const proof = (await records(a, b.nodeId))[0]!.record;
    const forged = (consumer: string): RatingBody => ({
      toolOrigin: b.nodeId,
      tool: "everything/echo",
      fingerprint: proof.intent.tool.fingerprint,
      stars: 1,
      proof: { ...proof, intent: { ...proof.intent, consumer } },
    });
    expect(await pushRating({ seed: seedC, id: c.nodeId }, await signerFrom(seedC), b, forged(c.nodeId))).toBe(0);
    expect((await trustAt(b, c.nodeId)).score).toBeGreaterThan(0);

    // Twelve strangers peer with B (its policy is open) and each rates the tool one star.
    const flood = await Promise.all(Array.from({ length: 12 }, (_, i) => stranger({ name: `sybil${i}`, serve: true })));
    strangers.push(...flood);
    for (const s of flood) {
      const hello = await s.hello(b);
      expect(await hello.answer(await hello.post())).toMatchObject({ ok: true, result: { state: "active" } });
      expect(await pushRating(s, s.entrySigner, b, forged(s.id))).toBe(0);
    }
    // The strangers serve their cards and nothing else: this tick's gossip or reconciliation with one of them fails.
    const report = await json<TickReport>(await b.admin("POST", "/tick"));
    expect(report.trust).not.toHaveProperty("error");
    const after = await ratingAt(b, tool());
    expect(after).toMatchObject({ stars: 4, counted: 1, ignored: 13 });
    expect(after.ratings.find((r) => r.rater === c.nodeId)).toMatchObject({ counted: false, reason: "unverified_proof" });
    expect(after.ratings.filter((r) => r.reason === "no_standing")).toHaveLength(12);
  }, 120_000);
});

describe("revoking a vouch", () => {
  it("removes the vouch everywhere it went, and the voucher no longer bears the stake", async () => {
    expect((await trustAt(a, b.nodeId)).why.staked).not.toEqual([]);
    const revoked = await cli(["vouch", c.nodeId, "--revoke", "--url", b.url, "--token", b.adminToken], {});
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked vouch ${c.nodeId}`);
    await eventually(async () => {
      await json(await b.admin("POST", "/tick"));
      await trustTick(a);
      const [tb, tc] = [await trustAt(a, b.nodeId), await trustAt(a, c.nodeId)];
      expect(tc.why.vouchedBy).toEqual([]);
      expect(tb.why.staked).toEqual([]);
      expect(tb.why.penalty).toBe(0);
    }, 30_000);
    expect((await b.admin("DELETE", `/trust/vouches/${c.nodeId}`)).status).toBe(404);
  }, 60_000);
});
