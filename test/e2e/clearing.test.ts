// Clearing rounds across real nodes on loopback (docs/protocol.md §16). Five nodes, all peers of
// each other: alpha, bravo, charlie and delta are node processes, echo (E) is a node app built in
// this test's process over its own libSQL file and served on loopback, so that the test can make
// it a dishonest or dying coordinator with the protocol's own functions (as
// dishonest-provider.test.ts does for a provider). Debts come from real paid calls (per_call, 10
// credit each) along a cycle A→B→C→D→E→A with a chord A→C (debtor → creditor):
//   A→B 50, B→C 20, C→D 60, D→E 60, E→A 70, A→C 30: the optimum clears 20 on the cycle and 30 on
//   the chord's cycle A→C→D→E→A, 220 in all.
// The rounds run in order: bad input, a doctored proposal, a coordinator that dies before its
// reveal, a round with one edge's copies differing, then the honest round over what is left.
import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import type { z } from "zod";
import { sql } from "drizzle-orm";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { buildProposals, type Proposal } from "../../src/protocol/clearing/proposal.ts";
import { buildRound, coordinatorOrder, signRound, type Round } from "../../src/protocol/clearing/round.ts";
import { solveClearing } from "../../src/protocol/clearing/solver.ts";
import type { Matching } from "../../src/protocol/clearing/submission.ts";
import { inviteResult, statusResult } from "../../src/protocol/clearing/messages.ts";
import { identitySigner } from "../../src/node/registry/node-keys.ts";
import { PeerRequestError } from "../../src/node/federation-client/errors.ts";
import { startLocal, type LocalStart } from "../../src/runtimes/local.ts";
import { outboundFetch } from "../../src/runtimes/node-outbound.ts";
import type { Balance } from "../../src/store/ledger.ts";
import { cli } from "../support/cli.ts";
import { callPeerTool } from "../support/paid-calls.ts";
import { openDatabaseFile } from "../support/libsql.ts";
import { adminClient, ADMIN_TOKEN, eventually, freePort, json, loopbackNode, startEverything, tempDir, type NodeProc, type Upstream } from "../support/processes.ts";

const UNIT = "credit";
const PRICE = 10;
const CLEARING_ENV = { CLEARING: "on", CLEARING_SUBMIT_SECONDS: "20", CLEARING_COMMIT_SECONDS: "10", CLOCK_SKEW_SECONDS: "2", PEER_POLICY: "open" };

type Admin = (method: string, path: string, body?: unknown) => Promise<Response>;
interface Member {
  name: string;
  id: string;
  url: string;
  admin: Admin;
}
interface RoundView {
  id: string;
  coordinator: string;
  state: string | null;
  coordination: string | null;
  reason: string | null;
  stored: number;
  proposal?: Proposal;
}
interface RecordView {
  id: string;
  peer: string;
  record: { setOff?: { debtor: string; creditor: string; amount: number; round: string } };
}

let up: Upstream;
let procs: NodeProc[];
let local: LocalStart;
let echo: NodeApp;
let server: Server;
let echoPort: number;
let members: Member[];
let byName: Map<string, Member>;

const serveEcho = () => (server = serve({ fetch: echo.app.fetch, port: echoPort, hostname: "127.0.0.1" }) as Server);
const stopEcho = () =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

beforeAll(async () => {
  up = await startEverything();
  procs = [];
  // One at a time: four node processes starting at once on a busy machine miss their readiness wait.
  for (const name of ["alpha", "bravo", "charlie", "delta"]) procs.push(await loopbackNode(name, { env: CLEARING_ENV }));
  echoPort = await freePort();
  const url = `http://127.0.0.1:${echoPort}`;
  local = await startLocal({ PORT: String(echoPort), DATA_DIR: tempDir(), ADMIN_TOKEN, TICK_SECONDS: "3600", NODE_NAME: "echo", PUBLIC_URL: url, ...CLEARING_ENV });
  echo = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch: outboundFetch(local.config.allowPrivateUrls) } });
  serveEcho();
  members = [
    ...procs.map((p, i) => ({ name: ["alpha", "bravo", "charlie", "delta"][i]!, id: p.nodeId, url: p.url, admin: p.admin })),
    { name: "echo", id: echo.services.nodeId, url, admin: adminClient(url, ADMIN_TOKEN) },
  ];
  byName = new Map(members.map((m) => [m.name, m]));
  for (const m of members) expect((await m.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) await json(await members[i]!.admin("POST", "/peers", { url: members[j]!.url }));
  // Shared once every peering stands: the share is pushed to the peers there are.
  for (const m of members) await json(await m.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "per_call", amount: PRICE, unit: UNIT } }));

  const debts: [string, string, number][] = [
    ["alpha", "bravo", 5],
    ["bravo", "charlie", 2],
    ["charlie", "delta", 6],
    ["delta", "echo", 6],
    ["echo", "alpha", 7],
    ["alpha", "charlie", 3],
  ];
  for (const [consumer, provider, calls] of debts) await callPeerTool(`${byName.get(consumer)!.url}/mcp`, `${provider}_everything_get-sum`, calls);
  // Both copies of every record confirmed: the two parties' nets agree.
  await eventually(async () => {
    for (const [d, c, calls] of debts) expect(await net(byName.get(c)!, byName.get(d)!)).toBe(calls * PRICE);
    await pairwiseAgree();
  }, 30_000);
}, 240_000);

afterAll(async () => {
  await Promise.all(procs?.map((p) => p.stop()) ?? []);
  if (server?.listening) await stopEcho();
  await echo?.close();
  local?.client.close();
  await up?.stop();
});

async function balances(m: Member): Promise<Balance[]> {
  return (await json<{ balances: Balance[] }>(await m.admin("GET", "/ledger/balances"))).balances.filter((b) => b.unit === UNIT);
}

/** What `of` says `other` owes it (positive) in UNIT. */
async function net(of: Member, other: Member): Promise<number> {
  return (await balances(of)).find((b) => b.peer === other.id)?.net ?? 0;
}

async function pairwiseAgree(): Promise<void> {
  for (const x of members) for (const y of members) if (x !== y) expect([x.name, y.name, (await net(x, y)) + (await net(y, x))]).toEqual([x.name, y.name, 0]);
}

/** Every node's nets, to compare before and after a round that must change nothing. */
async function allNets(): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const m of members) out[m.name] = Object.fromEntries((await balances(m)).map((b) => [b.peer, b.net]));
  return out;
}

async function setOffs(m: Member): Promise<RecordView[]> {
  return (await json<{ records: RecordView[] }>(await m.admin("GET", "/ledger/records?limit=1000"))).records.filter((r) => r.record.setOff);
}

/** The round as `m` holds it; echo's read in this process, so that it can be read while echo is down. */
async function roundAt(m: Member, id: string): Promise<RoundView> {
  if (m.name === "echo") return (await echo.services.clearing.show(id)) as RoundView;
  return json<RoundView>(await m.admin("GET", `/clearing/rounds/${id}`));
}

async function roundsAt(m: Member): Promise<RoundView[]> {
  return (await json<{ rounds: RoundView[] }>(await m.admin("GET", "/clearing/rounds"))).rounds;
}

async function tickAll(): Promise<void> {
  for (const m of members) expect((await json<{ clearing: unknown }>(await m.admin("POST", "/tick"))).clearing).toEqual({ ok: true });
}

/** Starts a round at `m` (over the admin API) and waits until every participant has settled its part. */
async function runRound(m: Member, dryRun: boolean): Promise<{ id: string; coordinator: string }> {
  const { round } = await json<{ round: Round }>(await m.admin("POST", "/clearing/rounds", { unit: UNIT, dryRun }));
  await eventually(async () => {
    for (const p of members) expect(["revealed", "previewed", "refused", "lapsed"]).toContain((await roundAt(p, round.id)).state);
  }, 30_000);
  return { id: round.id, coordinator: round.coordinator };
}

/** Makes echo's next round one it coordinates: the initiator's choice of cut-off is free, so it tries them. */
function echoCoordinatesNext(): void {
  const rounds = echo.services.clearing;
  rounds.describe = async (unit, participants, dryRun) => {
    const now = Date.now();
    for (let i = 0; ; i++) {
      const submitBy = now + 20_000;
      const r = buildRound({ initiator: echo.services.nodeId, unit, participants: [...participants], asOf: now - i, submitBy, commitBy: submitBy + 10_000, dryRun });
      if (r.coordinator === echo.services.nodeId) return r;
    }
  };
}

async function waitPast(ms: number): Promise<void> {
  await eventually(async () => expect(Date.now()).toBeGreaterThan(ms), ms - Date.now() + 5_000);
}

/** A clearing message sent by echo over the real wire; its sealed refusal's code. */
async function refusalOf(to: Member, request: Parameters<NodeApp["services"]["federation"]["callActive"]>[2], schema: z.ZodType = statusResult): Promise<string> {
  try {
    await echo.services.federation.callActive(to.id, "clearing", request, schema);
  } catch (err) {
    if (err instanceof PeerRequestError) return err.code;
    throw err;
  }
  return "accepted";
}

describe("bad input", () => {
  it("a forged invite, a round with a wrong coordinator, a message from a node not in the round: a typed refusal each, and nothing held", async () => {
    const alpha = byName.get("alpha")!;
    const signer = identitySigner(await echo.services.identity());
    const now = Date.now();
    const draft = { unit: UNIT, participants: members.map((m) => m.id), asOf: now, submitBy: now + 20_000, commitBy: now + 30_000, dryRun: false };
    // Signed by echo in alpha's name.
    const forged = await signRound(signer, buildRound({ ...draft, initiator: echo.services.nodeId }));
    expect(await refusalOf(alpha, { kind: "invite", round: { ...forged, round: { ...forged.round, initiator: alpha.id } } }, inviteResult)).toBe("bad_round_signature");
    // Echo's own round, but with a coordinator its id does not select.
    const honest = buildRound({ ...draft, initiator: echo.services.nodeId });
    const third = coordinatorOrder(honest.id, honest.participants)[2]!;
    const wrong = await signRound(signer, { ...honest, coordinator: third });
    expect(await refusalOf(alpha, { kind: "invite", round: wrong }, inviteResult)).toBe("wrong_coordinator");
    for (const m of members) if (m.name !== "echo") expect(await roundsAt(m)).toEqual([]);
  });

  it("messages from a node that is not in the round: refused, nothing changes", async () => {
    const alpha = byName.get("alpha")!;
    const four = members.filter((m) => m.name !== "echo").map((m) => m.id);
    const { round } = await json<{ round: Round }>(await alpha.admin("POST", "/clearing/rounds", { unit: UNIT, dryRun: true, participants: four.filter((id) => id !== alpha.id) }));
    await eventually(async () => {
      for (const m of members.filter((x) => x.name !== "echo")) expect((await roundAt(m, round.id)).state).toBe("previewed");
    }, 30_000);
    const coordinator = members.find((m) => m.id === round.coordinator)!;
    const views = async () => Promise.all(members.filter((m) => m.name !== "echo").map((m) => roundAt(m, round.id)));
    const before = await views();
    expect(await echo.services.clearing.show(round.id)).toBeUndefined();
    expect(await refusalOf(coordinator, { kind: "status", round: round.id })).toBe("not_participant");
    const proposal = { v: "mcpfed/1" as const, type: "clearing-proposal" as const, round: round.id, node: alpha.id, hashlock: "00".repeat(32), expires: round.commitBy, edges: [], excluded: [] };
    const notCoordinator = members.find((m) => m.name !== "echo" && m.id !== round.coordinator)!;
    expect(await refusalOf(notCoordinator, { kind: "proposal", round: round.id, proposal: { ...proposal, node: notCoordinator.id } })).toBe("not_coordinator");
    expect(await refusalOf(notCoordinator, { kind: "reveal", round: round.id, preimage: "00".repeat(32), setOffs: [] })).toBe("not_coordinator");
    expect(await views()).toEqual(before);
  });
});

describe("a dishonest coordinator", () => {
  it("sends a non-optimal proposal, and an unbalanced one to delta: refused by the participants' checks, nothing changes", async () => {
    const before = await allNets();
    echoCoordinatesNext();
    const coordinator = echo.services.clearing.coordinator;
    const honest = coordinator.proposalsFor.bind(coordinator);
    coordinator.proposalsFor = (r: Round, m: Matching, hashlock: string) => {
      const solved = solveClearing(m.edges);
      // Ten less on each of the two cycles: balanced everywhere, but not the maximum.
      const lower = m.edges.map((e, i) => solved.flows[i]! - (["alpha>bravo", "bravo>charlie", "alpha>charlie"].includes(`${nameOf(e.debtor)}>${nameOf(e.creditor)}`) ? 10 : 20));
      const proposals = buildProposals(r, m, { flows: lower, potentials: solved.potentials }, hashlock);
      const delta = structuredClone(proposals.get(byName.get("delta")!.id)!);
      delta.edges[0]!.amount -= 1;
      proposals.set(byName.get("delta")!.id, delta);
      return proposals;
    };
    try {
      const echoMember = byName.get("echo")!;
      const { id, coordinator: chosen } = await runRoundAllowingOpen(echoMember);
      expect(chosen).toBe(echo.services.nodeId);
      expect(await roundAt(byName.get("delta")!, id)).toMatchObject({ state: "refused", reason: "unbalanced" });
      const reasons = await Promise.all(members.map(async (m) => (await roundAt(m, id)).reason));
      expect(reasons).toContain("not_optimal");
      await eventually(async () => expect((await roundAt(echoMember, id)).coordination).toBe("failed"), 10_000);
      // Those that signed learn on their tick that the round is over.
      await tickAll();
      for (const m of members) expect(["refused", "lapsed"]).toContain((await roundAt(m, id)).state);
      for (const m of members) expect(await setOffs(m)).toEqual([]);
      expect(await allNets()).toEqual(before);
    } finally {
      coordinator.proposalsFor = honest;
    }
  });
});

/** Starts a round at `m` and waits until every participant has answered the proposal (or refused it). */
async function runRoundAllowingOpen(m: Member): Promise<{ id: string; coordinator: string }> {
  const { round } = await json<{ round: Round }>(await m.admin("POST", "/clearing/rounds", { unit: UNIT, dryRun: false }));
  await eventually(async () => {
    for (const p of members) expect(["signed", "refused", "revealed"]).toContain((await roundAt(p, round.id)).state);
  }, 30_000);
  return { id: round.id, coordinator: round.coordinator };
}

function nameOf(id: string): string {
  return members.find((m) => m.id === id)!.name;
}

describe("a coordinator that dies between the signatures and the reveal", () => {
  it("leaves every balance unchanged on every node, and the round lapses everywhere", async () => {
    // A preview first, started by alpha: it skips its last round's coordinator (echo), so echo may coordinate again after it.
    const alpha = byName.get("alpha")!;
    const run = await cli(["clearing", "preview", "--unit", UNIT, "--json"], { MCPFED_URL: alpha.url, ADMIN_TOKEN });
    expect(run.code).toBe(0);
    const preview = (JSON.parse(run.stdout) as { rounds: (RoundView & { proposal: Proposal })[] }).rounds[0]!;
    expect(preview.state).toBe("previewed");
    // Alpha sees its own three edges (it owes bravo and charlie, echo owes it), with what each would clear, and no one else's.
    expect(preview.proposal.edges.map((e) => [nameOf(e.debtor), nameOf(e.creditor), e.amount]).sort()).toEqual([
      ["alpha", "bravo", 20],
      ["alpha", "charlie", 30],
      ["echo", "alpha", 50],
    ]);
    await eventually(async () => {
      for (const m of members) expect((await roundAt(m, preview.id)).state).toBe("previewed");
    }, 30_000);
    expect(preview.coordinator).not.toBe(echo.services.nodeId);
    const before = await allNets();
    echoCoordinatesNext();
    const coordinator = echo.services.clearing.coordinator;
    const honest = coordinator.reveal.bind(coordinator);
    let died = false;
    coordinator.reveal = async () => {
      died = true;
      await stopEcho();
    };
    try {
      const { id } = await runRoundAllowingOpen(byName.get("echo")!);
      await eventually(async () => expect(died).toBe(true), 10_000);
      const others = members.filter((m) => m.name !== "echo");
      for (const m of others) expect((await roundAt(m, id)).state).toBe("signed");
      const row = (await echo.services.clearing.show(id))!;
      expect(row.coordination).toBe("revealing");
      const { commitBy } = row;
      await waitPast(commitBy + 2_500);
      for (const m of others) expect((await json<{ clearing: unknown }>(await m.admin("POST", "/tick"))).clearing).toEqual({ ok: true });
      for (const m of others) expect((await roundAt(m, id)).state).toBe("lapsed");
      // Back after T: it reveals nothing, and lapses its own part too.
      serveEcho();
      await echo.services.clearing.tick();
      expect(await echo.services.clearing.show(id)).toMatchObject({ state: "lapsed", coordination: "lapsed" });
      for (const m of members) expect(await setOffs(m)).toEqual([]);
      expect(await allNets()).toEqual(before);
    } finally {
      coordinator.reveal = honest;
      if (!server.listening) serveEcho();
    }
  }, 90_000);
});

describe("a node whose copy of an obligation differs", () => {
  it("gets that edge excluded, and the rest clears", async () => {
    const charlie = byName.get("charlie")!;
    const alpha = byName.get("alpha")!;
    const file = join(procs[2]!.dataDir, "node.db");
    // Charlie's copy of one of alpha's calls now charges 11: its net with alpha is 31, alpha's 30.
    const store = await openDatabaseFile(file);
    let tampered: string;
    try {
      const [row] = await store.db.all<{ id: string }>(sql`SELECT id FROM ledger_records WHERE peer = ${alpha.id} AND kind = 'call' LIMIT 1`);
      tampered = row!.id;
      await store.db.run(sql`UPDATE ledger_records SET amount = amount + 1 WHERE id = ${tampered}`);
    } finally {
      store.close();
    }
    try {
      const { id } = await runRound(alpha, false);
      const views = await Promise.all(members.map((m) => roundAt(m, id)));
      for (const v of views) expect(v.state).toBe("revealed");
      const atCharlie = views[2]!.proposal!;
      expect(atCharlie.excluded).toEqual([{ debtor: alpha.id, creditor: charlie.id, reason: "mismatch" }]);
      expect(views[0]!.proposal!.excluded).toEqual([{ debtor: alpha.id, creditor: charlie.id, reason: "mismatch" }]);
      for (const v of views.slice(1, 2).concat(views.slice(3))) expect(v.proposal!.excluded).toEqual([]);
      // Without the chord only the cycle clears: 20 on each of its five edges.
      const cleared = await Promise.all(members.map(async (m) => (await setOffs(m)).filter((r) => r.record.setOff!.round === id)));
      for (const [i, list] of cleared.entries()) {
        expect(list).toHaveLength(2);
        for (const r of list) {
          expect([r.record.setOff!.debtor, r.record.setOff!.creditor]).toContain(members[i]!.id);
          expect(r.record.setOff!.amount).toBe(20);
        }
      }
    } finally {
      const again = await openDatabaseFile(file);
      try {
        await again.db.run(sql`UPDATE ledger_records SET amount = amount - 1 WHERE id = ${tampered!}`);
      } finally {
        again.close();
      }
    }
    await pairwiseAgree();
  }, 60_000);
});

describe("an honest round", () => {
  it("clears the optimum of what is left, each ledger shows only its own set-offs, and balances agree pairwise", async () => {
    // What each pair owes now, as their ledgers say: the edges the round must clear at best.
    const edges = [];
    for (const x of members) for (const b of await balances(x)) if (b.net < 0) edges.push({ debtor: x.id, creditor: b.peer, capacity: -b.net });
    const best = solveClearing(edges).total;
    expect(best).toBe(120); // the chord's cycle A→C→D→E→A, 30 on each of four edges
    const delta = byName.get("delta")!;
    // The last round's set-offs count from its T: a round cut off before it is refused, here and by the participants.
    const last = (await roundsAt(delta))[0]! as RoundView & { commitBy: number; state: string };
    expect(last.state).toBe("revealed");
    const early = await delta.admin("POST", "/clearing/rounds", { unit: UNIT, dryRun: false });
    expect(early.status).toBe(409);
    expect(await early.text()).toContain("too_soon");
    await waitPast(last.commitBy + 100);
    const before = await Promise.all(members.map((m) => setOffs(m)));
    const { id } = await runRound(delta, false);
    const after = await Promise.all(members.map(async (m) => (await setOffs(m)).filter((r) => r.record.setOff!.round === id)));
    const total = new Map<string, number>();
    for (const [i, list] of after.entries()) {
      const me = members[i]!.id;
      for (const r of list) {
        const s = r.record.setOff!;
        expect([s.debtor, s.creditor]).toContain(me);
        expect(r.peer).toBe(s.debtor === me ? s.creditor : s.debtor);
        total.set(`${s.debtor}>${s.creditor}`, s.amount);
      }
    }
    expect([...total.values()].reduce((a, b) => a + b, 0)).toBe(best);
    // Bravo owes nobody on a cycle any more: it holds no set-off of this round.
    expect(after[1]).toEqual([]);
    expect((await Promise.all(members.map((m) => setOffs(m)))).map((l) => l.length)).toEqual(before.map((l, i) => l.length + after[i]!.length));
    await pairwiseAgree();
    expect(await net(byName.get("charlie")!, byName.get("alpha")!)).toBe(0);
    const env = { MCPFED_URL: delta.url, ADMIN_TOKEN };
    expect((await cli(["clearing", "rounds"], env)).stdout).toContain(id.slice(0, 12));
    const shown = await cli(["clearing", "show", id], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("here: revealed");
  }, 60_000);
});
