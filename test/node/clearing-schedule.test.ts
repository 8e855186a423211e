// CLEARING_SCHEDULE (src/node/clearing/rounds.ts) with a clock the test moves: node A, a real
// composite identity over a migrated libSQL database, starts rounds on its tick; its one peer B is
// reached through a send that records each invite and accepts it (B's own part is tested across
// real processes in test/e2e/clearing.test.ts). A round starts at A for real: signed, A's own
// invite checked and stored, its submission sent to the coordinator.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLEARING_JOB, ClearingRounds } from "../../src/node/clearing/rounds.ts";
import { ScheduleRuns } from "../../src/store/schedules.ts";
import type { ClearingSend } from "../../src/node/clearing/port.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import type { LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import { signedRound } from "../../src/protocol/clearing/round.ts";
import { SecretBox } from "../../src/secrets/sealed-box.ts";
import { ClearingRepository } from "../../src/store/clearing.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Tuesday 2027-03-02, 09:00 UTC.
const START = Date.UTC(2027, 2, 2, 9);

let p: Primitives;
let a: { nodeId: string; sign: (m: Uint8Array, c: string) => Promise<Uint8Array> };
let b: string;
let verifier: LedgerVerifier;
let store: TestDatabase;
let clock: number;
let invites: { node: string; unit: string; dryRun: boolean }[];
let peers: string[];
let deferred: Promise<unknown>[];

beforeAll(async () => {
  p = await primitives();
  const [ka, kb] = await Promise.all([newSeed(), newSeed()].map((s) => signingKeyFromSeed(p, parseSeed(s))));
  a = { nodeId: ka!.nodeId, sign: (m, c) => ka!.signer.sign(m, c) };
  b = kb!.nodeId;
  const keys = new Map([[ka!.nodeId, ka!.signer.publicKey], [kb!.nodeId, kb!.signer.publicKey]]);
  verifier = {
    async keyOf(node) {
      const pub = keys.get(node);
      if (!pub) return undefined;
      const key = await compositeVerifier(p, pub);
      return { verify: (message, signature, context) => key.verify(signature, message, context) };
    },
  };
});

beforeEach(async () => {
  store = await openTestDatabase();
  clock = START;
  invites = [];
  peers = [];
  deferred = [];
});

afterEach(async () => {
  await Promise.allSettled(deferred);
  store.close();
});

function rounds(schedule: string, units = ["credit", "EUR"]): ClearingRounds {
  const config = loadConfig({ ADMIN_TOKEN: "test-admin-token-0123456789", NODE_SEED: newSeed(), CLEARING: "on", CLEARING_SCHEDULE: schedule, CLEARING_SUBMIT_SECONDS: "60", CLEARING_COMMIT_SECONDS: "300" });
  // B accepts every invite and takes nothing else: a submission to it goes nowhere, and the round lapses at T.
  const remote: ClearingSend = async (node, request, result) => {
    if (request.kind === "invite") {
      const { round } = signedRound.parse(request.round);
      invites.push({ node, unit: round.unit, dryRun: round.dryRun });
      return result.parse({ kind: "accepted" });
    }
    throw new Error(`${node} is not reached in this test`);
  };
  return new ClearingRounds(
    {
      self: a.nodeId,
      config,
      signer: a,
      keys: verifier,
      repository: new ClearingRepository(store.db),
      scheduleRuns: new ScheduleRuns(store.db, CLEARING_JOB),
      secrets: new SecretBox(crypto.getRandomValues(new Uint8Array(32))),
      obligationWith: async () => null,
      storeSetOff: async () => false,
      clearingPeers: async () => peers,
      units: async () => units,
      nowMs: () => clock,
      defer: (work) => void deferred.push(work.catch(() => undefined)),
    },
    remote,
  );
}

/** Runs a tick at `at` and says which units' rounds it started. */
async function tickAt(r: ClearingRounds, at: number): Promise<string[]> {
  clock = at;
  const before = invites.length;
  await r.tick();
  await Promise.allSettled(deferred);
  return invites.slice(before).map((i) => i.unit).sort();
}

describe("CLEARING_SCHEDULE", () => {
  it("off: the tick starts no round", async () => {
    peers = [b];
    const r = rounds("off");
    expect(await tickAt(r, START)).toEqual([]);
    expect(await tickAt(r, START + 40 * DAY)).toEqual([]);
  });

  it("daily: a round per unit on the first tick, none until a day has passed since, then again", async () => {
    peers = [b];
    const r = rounds("daily");
    expect(await tickAt(r, START)).toEqual(["EUR", "credit"]);
    expect(invites.every((i) => i.node === b && !i.dryRun)).toBe(true);
    expect(await tickAt(r, START + HOUR)).toEqual([]);
    expect(await tickAt(r, START + DAY - 60_000)).toEqual([]);
    // The first rounds lapsed long ago (T is 6 minutes after the start): the unit is free again.
    expect(await tickAt(r, START + DAY)).toEqual(["EUR", "credit"]);
    const listed = await r.list();
    expect(listed).toHaveLength(4);
    expect(listed.filter((x) => x.asOf === START).map((x) => x.state)).toEqual(["lapsed", "lapsed"]);
  });

  it("weekly and monthly: 7 and 30 days from the last round this node started", async () => {
    peers = [b];
    const weekly = rounds("weekly", ["credit"]);
    expect(await tickAt(weekly, START)).toEqual(["credit"]);
    expect(await tickAt(weekly, START + 7 * DAY - 1)).toEqual([]);
    expect(await tickAt(weekly, START + 7 * DAY)).toEqual(["credit"]);
    const monthly = rounds("monthly", ["credit"]);
    expect(await tickAt(monthly, START + 7 * DAY + 29 * DAY)).toEqual([]);
    expect(await tickAt(monthly, START + 7 * DAY + 30 * DAY)).toEqual(["credit"]);
  });

  it("the operator's round counts as the period's, a preview (dry run) does not", async () => {
    peers = [b];
    const r = rounds("daily", ["credit"]);
    clock = START;
    await r.initiate("credit", { dryRun: true });
    await Promise.allSettled(deferred);
    // The preview lapses at its T; the tick after that starts the day's round.
    expect(await tickAt(r, START + HOUR)).toEqual(["credit"]);
    await tickAt(r, START + 2 * HOUR);
    clock = START + DAY + HOUR;
    await r.initiate("credit", { dryRun: false });
    expect(await tickAt(r, START + DAY + 2 * HOUR)).toEqual([]);
    expect(await tickAt(r, START + 2 * DAY + HOUR)).toEqual(["credit"]);
  });

  it("without a peer that offers clearing nothing starts, and the tick tries again after a wait", async () => {
    const r = rounds("daily", ["credit"]);
    expect(await tickAt(r, START)).toEqual([]);
    expect(await r.list()).toEqual([]);
    peers = [b];
    // A minute's wait after the failure, then the tick tries again.
    expect(await tickAt(r, START + 30_000)).toEqual([]);
    expect(await tickAt(r, START + 60_000)).toEqual(["credit"]);
  });
});
