// Peer channels over time and across a signing-key rotation, between real Node processes: the
// epochs ratchet forward without a new handshake (the clocks of both processes moved ahead,
// test/support/clock.ts), an expired channel is replaced while requests keep working, and a
// rotated signing key ends the channels keyed by the old one.
import { sql } from "drizzle-orm";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { advanceClock, movableClock } from "../support/clock.ts";
import { openDatabaseFile } from "../support/libsql.ts";
import { eventually, json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { tick } from "../support/tick.ts";

interface Channel {
  cid: string;
  peer: string;
  role: "initiator" | "responder";
  epoch: number;
  ownKid: string;
  peerKid: string;
}
interface Status {
  channels: Channel[];
  counts: Record<"opened" | "accepted" | "sent" | "received" | "reopened" | "fallbacks", number>;
}

const status = async (n: NodeProc): Promise<Status> => json<Status>(await n.admin("GET", "/federation/channels"));
const ping = (from: NodeProc, to: NodeProc) => from.admin("POST", `/peers/${to.nodeId}/ping`);
const between = (st: Status, peer: NodeProc, role: Channel["role"]) => st.channels.filter((c) => c.peer === peer.nodeId && c.role === role);

async function secretsOf(n: NodeProc, cid: string): Promise<{ epoch: number; request_secret: string }> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return (await store.db.all<{ epoch: number; request_secret: string }>(sql`SELECT epoch, request_secret FROM peer_channels WHERE cid = ${cid}`))[0]!;
  } finally {
    store.close();
  }
}

const running: NodeProc[] = [];
afterAll(async () => {
  await Promise.all(running.map((n) => n.stop()));
});

describe("epochs and expiry", () => {
  it("ratchets to later epochs without a handshake, and replaces an expired channel while requests keep working", async () => {
    // Epochs of 10 minutes, a life of 2 hours; each clock step is one hour.
    const env = { PEER_POLICY: "open", CHANNEL_EPOCH_SECONDS: "600", CHANNEL_LIFETIME_SECONDS: "7200" };
    const a = await loopbackNode("alpha", movableClock(3600, env));
    running.push(a);
    const b = await loopbackNode("bravo", movableClock(3600, env));
    running.push(b);
    await json(await a.admin("POST", "/peers", { url: b.url }));
    expect((await ping(a, b)).status).toBe(200);
    const [first] = between(await status(a), b, "initiator");
    expect(first).toMatchObject({ epoch: 0 });
    const sealed0 = (await secretsOf(b, first!.cid)).request_secret;

    await Promise.all([advanceClock(a), advanceClock(b)]);
    expect((await ping(a, b)).status).toBe(200);
    const later = await status(a);
    expect(later.counts).toMatchObject({ opened: 1, reopened: 0, fallbacks: 0 });
    // Epoch 6 now; both keep only epoch 5's secrets (the previous one, still acceptable within the skew).
    for (const [n, cid] of [[a, first!.cid], [b, first!.cid]] as const) {
      const row = await secretsOf(n, cid);
      expect(row.epoch).toBe(5);
    }
    expect((await secretsOf(b, first!.cid)).request_secret).not.toBe(sealed0);

    await Promise.all([advanceClock(a), advanceClock(b)]);
    expect((await ping(a, b)).status).toBe(200);
    const renewed = await status(a);
    expect(renewed.counts.opened).toBe(2);
    const [second] = between(renewed, b, "initiator");
    expect(second!.cid).not.toBe(first!.cid);
    expect(between(await status(b), a, "responder").map((c) => c.cid)).toContain(second!.cid);
    // The tick deletes the expired rows on both sides.
    await Promise.all([tick(a), tick(b)]);
    expect((await status(a)).channels.map((c) => c.cid)).not.toContain(first!.cid);
    expect((await status(b)).channels.map((c) => c.cid)).not.toContain(first!.cid);
  }, 120_000);
});

describe("signing-key rotation", () => {
  it("ends the channels keyed by the rotated key on both sides; the next request opens a new one", async () => {
    const [s0, s1] = [newSeed(), newSeed()];
    const a = await loopbackNode("alpha", { env: { PEER_POLICY: "open" } });
    running.push(a);
    let b = await loopbackNode("bravo", { env: { PEER_POLICY: "open", NODE_SEED: s0 } });
    await json(await a.admin("POST", "/peers", { url: b.url }));
    expect((await ping(a, b)).status).toBe(200);
    const [old] = between(await status(b), a, "responder");
    expect(old).toBeDefined();

    await b.stop();
    b = await loopbackNode("bravo", { port: b.port, dataDir: b.dataDir, env: { PEER_POLICY: "open", NODE_SEED: s1, PREVIOUS_NODE_SEED: s0 } });
    running.push(b);
    // B's start-up tick ended its channels under the old key, and told A its new key.
    await eventually(async () => expect((await status(b)).channels.map((c) => c.cid)).not.toContain(old!.cid), 15_000);
    expect((await ping(a, b)).status).toBe(200);
    const [now] = between(await status(b), a, "responder");
    expect(now!.cid).not.toBe(old!.cid);
    expect(now!.ownKid).not.toBe(old!.ownKid);
    const [atA] = between(await status(a), b, "initiator");
    expect(atA).toMatchObject({ cid: now!.cid, peerKid: now!.ownKid });
  }, 120_000);
});
