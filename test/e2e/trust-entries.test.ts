// Trust entries across real node processes on loopback, in a line S–A–B–C: S (a node the test
// plays, with its own composite-signed identity) vouches for a node and pushes the vouch to A in
// gossip's own exchange message; it reaches B and C unchanged, and S's tombstone revokes it on all
// three. A forged vouch (altered after signing) and a self-vouch are refused by A and stored nowhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signingBytes, toEntry, type SignedEntry, type UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { ENTRY_CONTEXT, signEntry } from "../../src/protocol/registry/signing.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { eventually, json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { stranger, type Stranger } from "../support/stranger.ts";
import { tick } from "../support/tick.ts";

interface RegistryView {
  entries: { id: string; origin: string; kind: string; key: string; tombstone: boolean; subject?: string }[];
  metrics: { rejected: Record<string, number> };
}
const registryOf = async (n: NodeProc) => json<RegistryView>(await n.admin("GET", "/registry"));
const vouchesBy = async (n: NodeProc, origin: string) => (await registryOf(n)).entries.filter((e) => e.origin === origin && e.kind === "vouch");

let s: Stranger;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;

beforeAll(async () => {
  const open = (name: string) => loopbackNode(name, { env: { PEER_POLICY: "open" } });
  [a, b, c] = await Promise.all([open("alpha"), open("bravo"), open("charlie")]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/peers", { url: c.url }));
  s = await stranger({ name: "voucher", serve: true });
  const hello = await s.hello(a);
  expect(await hello.answer(await hello.post())).toMatchObject({ ok: true, result: { state: "active" } });
}, 60_000);

afterAll(async () => {
  await Promise.all([a, b, c].map((n) => n?.stop()));
  await s?.close();
});

let counter = 0;
/** S's entry, stamped now (a fresh counter each time, so that a later one wins its slot). */
async function signed(entry: Record<string, unknown>): Promise<SignedEntry> {
  return (await signEntry({ ...entry, origin: s.id, hlc: encodeHlc({ wall: Date.now(), counter: counter++ }) } as UnsignedEntry, s.entrySigner)).signed;
}

/** Pushes entries to A as S, in one exchange message; the number A refused. */
async function push(entries: unknown[]): Promise<number> {
  const request = await sealAs({ seed: s.seed, id: s.id }, a, "exchange", { entries });
  const answer = await openedAnswer(request, await request.post());
  expect(answer.ok, JSON.stringify(answer)).toBe(true);
  return (answer.result as { refused: number }).refused;
}

const expiresAt = () => Math.floor(Date.now() / 1000) + 30 * 86_400;

describe("trust entries between real nodes", () => {
  it("gossip a vouch from A to B and C byte for byte, and its tombstone revokes it on all three", async () => {
    const vouch = await signed({ kind: "vouch", key: `${c.nodeId}/search`, visibility: "public", tombstone: false, body: { subject: c.nodeId, weight: 70, scope: "search", expiresAt: expiresAt() } });
    expect(await push([vouch])).toBe(0);
    const { id } = await toEntry(vouch);
    expect(await vouchesBy(a, s.id)).toEqual([expect.objectContaining({ id, key: `${c.nodeId}/search`, tombstone: false, subject: c.nodeId, source: s.id })]);
    await eventually(async () => {
      // A pushes on change; B and C tick (A's tick would also reconcile its ledger with S, which serves only its card).
      for (const n of [b, c]) await tick(n);
      // The same entry id on every node: the bytes S signed, relayed unchanged.
      expect(await vouchesBy(b, s.id)).toEqual([expect.objectContaining({ id, tombstone: false, source: a.nodeId })]);
      expect(await vouchesBy(c, s.id)).toEqual([expect.objectContaining({ id, tombstone: false, source: b.nodeId })]);
    }, 20_000);

    const tombstone = await signed({ kind: "vouch", key: `${c.nodeId}/search`, visibility: "public", tombstone: true });
    expect(await push([tombstone])).toBe(0);
    await eventually(async () => {
      for (const n of [b, c]) await tick(n);
      for (const n of [a, b, c]) expect((await vouchesBy(n, s.id)).map((e) => e.tombstone)).toEqual([true]);
    }, 20_000);
  });

  it("refuse a forged vouch and a self-vouch, and store neither", async () => {
    const before = (await registryOf(a)).metrics.rejected;
    const real = await signed({ kind: "vouch", key: b.nodeId, visibility: "public", tombstone: false, body: { subject: b.nodeId, weight: 10, expiresAt: expiresAt() } });
    const forged = { ...real, body: { ...(real as { body: object }).body, weight: 100 } };
    // signEntry refuses to make one: S signs the bytes itself, as an attacker would.
    const selfVouch = { origin: s.id, kind: "vouch", key: s.id, visibility: "public", hlc: encodeHlc({ wall: Date.now(), counter: counter++ }), tombstone: false, body: { subject: s.id, weight: 100, expiresAt: expiresAt() } } as UnsignedEntry;
    const self = { ...selfVouch, sig: toBase64url(await s.entrySigner.sign(signingBytes(selfVouch), ENTRY_CONTEXT)) };
    expect(await push([forged, self])).toBe(2);
    const after = (await registryOf(a)).metrics.rejected;
    expect((after.bad_signature ?? 0) - (before.bad_signature ?? 0)).toBe(1);
    expect((after.malformed ?? 0) - (before.malformed ?? 0)).toBe(1);
    for (const n of [a, b, c]) expect((await vouchesBy(n, s.id)).filter((e) => e.key !== `${c.nodeId}/search`)).toEqual([]);
  });
});
