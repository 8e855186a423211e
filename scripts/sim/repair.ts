// What a repair costs between two nodes whose registries of 100,000 entries differ by k: the
// reconciliation round trips and bytes, then the transfer of what each side lacks. Runs the real
// repair path (Gossip.sync(peer, "repair")) over the in-memory network.
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import type { ExchangeRequest } from "../../src/protocol/messages/gossip.ts";
import { ReconcileSession, ReconcileSet, respond } from "../../src/protocol/reconciliation.ts";
import { signedEntry, toEntry, type Entry } from "../../src/protocol/registry/entry.ts";
import { randomHex, seeded } from "../../test/support/random.ts";
import { SimFederation } from "./federation.ts";

export type Layout = "scattered" | "recent";

export interface RepairResult {
  size: number;
  k: number;
  layout: Layout;
  reconcileRoundTrips: number;
  reconcileBytes: number;
  /** Bytes of the id prefixes asked for: protocol, not payload. */
  wantBytes: number;
  transferRoundTrips: number;
  transferBytes: number;
  converged: boolean;
}

const DAY = 24 * 3600 * 1000;
const T0 = 1_780_000_000_000;
const DUMMY_SIG = "A".repeat(86);

async function makeEntries(count: number, random: () => number, walls: () => number, prefix: string): Promise<Entry[]> {
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const tool = { name: `t${prefix}${i}`, description: "A tool.", inputSchema: { type: "object" as const } };
    const signed = signedEntry.parse({
      origin: `sim-o${Math.floor(random() * 50)}`,
      kind: "tool",
      key: `sim/${tool.name}`,
      visibility: "public",
      hlc: encodeHlc({ wall: walls(), counter: 0 }),
      tombstone: false,
      body: { version: "1.0.0", tool, fingerprint: await toolFingerprint(tool), tags: [], pricing: null },
      sig: DUMMY_SIG,
    });
    out.push(await toEntry(signed));
  }
  return out;
}

export async function buildBase(size: number, seed: number): Promise<Entry[]> {
  const random = seeded(seed);
  return makeEntries(size, random, () => T0 + Math.floor(random() * 30 * DAY), "");
}

export async function runRepair(base: Entry[], k: number, layout: Layout, seed: number): Promise<RepairResult> {
  const random = seeded(seed);
  const sim = await SimFederation.create({ adjacency: [[1], [0]], down: new Set(), loss: 0, sign: false, random });
  const [p, q] = sim.nodes as [(typeof sim.nodes)[0], (typeof sim.nodes)[0]];
  await p.store.put(base, null);
  await q.store.put(base, null);
  if (layout === "scattered") {
    // Half on each side, stamped anywhere in the registry's history.
    const diffs = await makeEntries(k, random, () => T0 + Math.floor(random() * 30 * DAY), `d${randomHex(random, 2)}`);
    await p.store.put(diffs.slice(0, Math.ceil(k / 2)), null);
    await q.store.put(diffs.slice(Math.ceil(k / 2)), null);
  } else {
    // P was away: Q holds the k newest entries.
    let wall = T0 + 30 * DAY;
    const diffs = await makeEntries(k, random, () => (wall += 1 + Math.floor(random() * 1000)), `r${randomHex(random, 2)}`);
    await q.store.put(diffs, null);
  }
  let wantBytes = 0;
  sim.network.onDeliver = (kind, _from, _to, request) => {
    const want = kind === "exchange" ? (request as ExchangeRequest).want : undefined;
    if (want) wantBytes += JSON.stringify(want).length;
  };
  sim.network.resetTraffic();
  await p.gossip.sync(q.id, "repair");
  const t = sim.network.traffic;
  return {
    size: base.length,
    k,
    layout,
    reconcileRoundTrips: t.reconcile.requests,
    reconcileBytes: t.reconcile.bytes,
    wantBytes,
    transferRoundTrips: t.exchange.requests,
    transferBytes: t.exchange.bytes,
    converged: (await p.store.stateHash()) === (await q.store.stateHash()),
  };
}

/** The anchor from Negentropy: a million items that differ by one, reconciliation alone. */
export async function runMillion(seed: number): Promise<{ roundTrips: number; bytes: number; found: number }> {
  const random = seeded(seed);
  const items = Array.from({ length: 1_000_000 }, () => ({ hlc: encodeHlc({ wall: T0 + Math.floor(random() * 365 * DAY), counter: 0 }), id: randomHex(random, 32) }));
  const a = ReconcileSet.of(items);
  const b = ReconcileSet.of([...items, { hlc: encodeHlc({ wall: T0 + Math.floor(random() * 365 * DAY), counter: 0 }), id: randomHex(random, 32) }]);
  const session = new ReconcileSession(a);
  let message: string | undefined = await session.start();
  let roundTrips = 0;
  let bytes = 0;
  while (message !== undefined) {
    // As on the wire: {"message":"…"} each way.
    const reply = await respond(b, message);
    bytes += message.length + reply.length + 2 * '{"message":""}'.length;
    roundTrips++;
    message = await session.next(reply);
  }
  return { roundTrips, bytes, found: session.found.need.size };
}
