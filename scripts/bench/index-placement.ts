// `npm run bench:index-placement`: what naming a key's owners costs one node, by the placement of
// nodes without index-xor (rendezvous: one SHA-256 per directory id per key) and with it (XOR: a
// binary search of the directory sorted by position, built once per directory read). CPU time
// (process.cpuUsage), the two interleaved in one process so that both see the same load. Each
// lookup is the node's own `lookupIndex` over a transport that answers at once with one record, so
// what is timed is the lookup's own work; the tick row is the publisher's placement of 256 keys.
//
// Knobs (environment): PLACEMENT_SIZES ("10000,100000"), PLACEMENT_LOOKUPS (per size and placement, 60).
import { loadavg } from "node:os";
import { NodePositions, positionOf } from "../../src/protocol/discovery/placement.ts";
import { lookupIndex, DEFAULT_LOOKUP, type IndexNode, type IndexTransport, type Structure } from "../../src/node/discovery/lookup.ts";
import { ownersOf } from "../../src/node/discovery/placement.ts";
import { seeded } from "../../test/support/random.ts";
import { machine, median } from "./lib.ts";

const SIZES = (process.env.PLACEMENT_SIZES ?? "10000,100000").split(",").map(Number);
const LOOKUPS = Number(process.env.PLACEMENT_LOOKUPS ?? 60);
const TICK_KEYS = 256;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function cpuMs<T>(run: () => T): Promise<{ ms: number; value: Awaited<T> }> {
  const start = process.cpuUsage();
  return Promise.resolve(run()).then((value) => {
    const used = process.cpuUsage(start);
    return { ms: (used.user + used.system) / 1000, value };
  });
}

const transport: IndexTransport = {
  lookup: async (node, request) => ({ type: "index-lookup", records: request.keys.map((key) => ({ origin: node.id, key, seq: 1 })) }),
};

console.log(`## Index placement: CPU per lookup (\`npm run bench:index-placement\`)\n`);
console.log(`${machine()}; load average ${loadavg()[0]!.toFixed(1)} at start; ${LOOKUPS} lookups of one key per size and placement, interleaved; k = 5.\n`);
console.log("| public nodes | rendezvous: CPU per lookup, median (ms) | XOR: CPU per lookup, median (ms) | ratio | XOR: sorting the directory, first read / next read (ms) | publisher's placement of 256 keys: rendezvous / XOR (ms) |");
console.log("|---|---|---|---|---|---|");
for (const n of SIZES) {
  const random = seeded(n);
  const nodes: IndexNode[] = Array.from({ length: n }, () => {
    const id = Array.from({ length: 32 }, () => BASE32[Math.floor(random() * 32)]).join("");
    return { id, url: `https://${id}.example` };
  });
  const first = await cpuMs(() => new NodePositions(nodes));
  const held = first.value.positions();
  const next = await cpuMs(() => new NodePositions(nodes, (id) => held.get(id) ?? positionOf(id)));
  const directory = next.value;
  const times: Record<"rendezvous" | "xor", number[]> = { rendezvous: [], xor: [] };
  for (let i = 0; i < LOOKUPS; i++) {
    for (const structure of ["rendezvous", "xor"] as const) {
      const key = `kw:w${i}x${Math.floor(random() * 1e9)}`;
      const { ms, value } = await cpuMs(() => lookupIndex({ self: nodes[0]!.id, known: async () => directory, transport, verify: async (raw) => raw as never }, [key], { ...DEFAULT_LOOKUP, structure }));
      if (value.records.get(key)!.length === 0) throw new Error("the bench's transport answers every owner with a record");
      times[structure].push(ms);
    }
  }
  const tick = async (structure: Structure) => (await cpuMs(() => Array.from({ length: TICK_KEYS }, (_, i) => ownersOf(`kw:tick${i}`, directory, 5, structure)))).ms;
  const tickR = await tick("rendezvous");
  const tickX = await tick("xor");
  const r = median(times.rendezvous);
  const x = median(times.xor);
  console.log(`| ${n.toLocaleString("en")} | ${r.toFixed(1)} | ${x.toFixed(3)} | ${(r / x).toFixed(0)}× | ${first.ms.toFixed(0)} / ${next.ms.toFixed(0)} | ${tickR.toFixed(0)} / ${tickX.toFixed(1)} |`);
}
