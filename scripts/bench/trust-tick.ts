// The node's trust step on a real libSQL file: a store holding PEERS peers' evidence, LEDGER
// settled ledger records and VOUCHES live vouch entries (among twice as many nodes). Reports the
// first computation of an isolate (collect, graph, full engine run, store), the ticks that count
// the rest of the ledger, a tick a minute later with nothing new (every weight decayed a little), a
// tick after a few new records, and a standing read from the table and from the isolate cache.
//
//   npx tsx scripts/bench/trust-tick.ts          (PEERS=1000 LEDGER=10000 VOUCHES=10000)
import { openTestDatabase } from "../../test/support/libsql.ts";
import { ledgerRecords, registryEntries, trustEvidence } from "../../src/store/schema/index.ts";
import { chunks } from "../../src/store/database.ts";
import { TrustScores } from "../../src/node/trust/scores.ts";
import { tiersSetting, DEFAULT_TIERS } from "../../src/node/trust/tiers.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { intEnv, table } from "./lib.ts";

const PEERS = intEnv("PEERS", 1000);
const LEDGER = intEnv("LEDGER", 10_000);
const VOUCHES = intEnv("VOUCHES", 10_000);

const id = (i: number) => `n${i.toString(36).padStart(31, "0")}`;
const hex = (i: number) => i.toString(16).padStart(64, "0");

const store = await openTestDatabase();
const db = store.db;
const now = Math.floor(Date.now() / 1000);
const self = id(0);

const records = Array.from({ length: LEDGER }, (_, i) => ({
  id: hex(i),
  peer: id(1 + (i % PEERS)),
  role: "consumer" as const,
  status: i % 50 === 0 ? ("disputed" as const) : ("confirmed" as const),
  hash: hex(i),
  completedAt: (now - (i % 30) * 86_400) * 1000,
  amount: 0,
  record: "{}",
}));
for (const c of chunks(records, 8)) await db.insert(ledgerRecords).values(c);
// Uptime samples, as earlier ticks would have left them.
for (const c of chunks(Array.from({ length: PEERS }, (_, i) => ({ peer: id(1 + i), kind: "up", value: 10, at: now })), 4)) await db.insert(trustEvidence).values(c);
const vouches = Array.from({ length: VOUCHES }, (_, i) => {
  const origin = id(1 + (i % (2 * PEERS)));
  const subject = id(1 + ((i * 7919 + 13) % (2 * PEERS)));
  const hlc = encodeHlc({ wall: (now - 86_400) * 1000, counter: i % 65_535 });
  const entry = { origin, kind: "vouch", key: `${subject}/s${i}`, visibility: "peers", hlc, tombstone: false, body: { subject, weight: 1 + (i % 100), expiresAt: now + 86_400 * 30 } };
  // Unscoped where the pair allows: one slot per (origin, subject).
  if (i < 2 * PEERS) Object.assign(entry, { key: subject, body: { subject, weight: 1 + (i % 100), expiresAt: now + 86_400 * 30 } });
  else Object.assign(entry.body, { scope: `s${i}` });
  const text = JSON.stringify({ ...entry, sig: "x" });
  return { id: hex(LEDGER + i), origin, kind: "vouch", key: entry.key, visibility: "peers" as const, hlc, tombstone: false, entry: text, size: text.length };
});
for (const c of chunks(vouches, 10)) await db.insert(registryEntries).values(c);

const tiers = tiersSetting.parse(DEFAULT_TIERS);
let clock = now;
const trust = new TrustScores({ db, self, trust: { tiers, seeds: [], halfLifeDays: 30 }, now: () => clock });
const timed = async <T>(f: () => Promise<T>): Promise<[number, T]> => {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
};

const [firstMs, first] = await timed(() => trust.recompute());
// The ledger is counted 5,000 records per tick: the next ticks catch up.
const catchUp: [number, Awaited<ReturnType<typeof trust.recompute>>][] = [];
while (catchUp.length < 10 && (catchUp.at(-1)?.[1] ?? first).collected.records > 0) catchUp.push(await timed(() => trust.recompute()));
clock += 60;
const [idleMs, idle] = await timed(() => trust.recompute());
await db.insert(ledgerRecords).values(Array.from({ length: 10 }, (_, i) => ({ ...records[i]!, id: hex(LEDGER + VOUCHES + i), hash: hex(LEDGER + VOUCHES + i), status: "confirmed" as const })));
clock += 60;
const [fewMs, few] = await timed(() => trust.recompute());
const [coldMs] = await timed(() => trust.of(id(2)));
const reads = 10_000;
const [warmMs] = await timed(async () => {
  for (let i = 0; i < reads; i++) await trust.of(id(2));
});

console.log(`PEERS=${PEERS} LEDGER=${LEDGER} VOUCHES=${VOUCHES}: ${first.nodes} nodes, ${first.edges} edges, ${first.scored} scores stored\n`);
console.log(
  table(
    ["step", "mode", "changed", "ms"],
    [
      ["first computation (collect, graph, engine, store)", first.mode, "-", firstMs.toFixed(0)],
      ...catchUp.map(([ms, r]) => [`tick catching up (${r.collected.records} records)`, r.mode, String(r.changed), ms.toFixed(0)]),
      ["tick a minute later, nothing new", idle.mode, String(idle.changed), idleMs.toFixed(0)],
      ["tick, 10 new records", few.mode, String(few.changed), fewMs.toFixed(0)],
      ["of(node), from the table", "-", "-", coldMs.toFixed(2)],
      [`of(node), cached (mean of ${reads})`, "-", "-", ((warmMs / reads) * 1000).toFixed(2) + " µs"],
    ],
  ),
);
store.close();
