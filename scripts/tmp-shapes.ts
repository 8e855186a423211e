import { solveClearing, type Edge } from "../src/protocol/clearing/solver.ts";
import { seeded } from "../test/support/random.ts";
const rnd = seeded(5);
const shapes: Record<string, Edge[]> = {};
// one ring of 10k
shapes.ring = Array.from({ length: 10000 }, (_, i) => ({ debtor: `n${i}`, creditor: `n${(i + 1) % 10000}`, capacity: 1 + Math.floor(rnd() * 1000) }));
// ring plus random chords backwards
shapes.ringChords = [...Array.from({ length: 5000 }, (_, i) => ({ debtor: `n${i}`, creditor: `n${(i + 1) % 5000}`, capacity: 1 + Math.floor(rnd() * 1000) })), ...Array.from({ length: 5000 }, () => { const a = Math.floor(rnd()*5000), b = Math.floor(rnd()*5000); return { debtor: `n${a}`, creditor: `n${b === a ? (a+1)%5000 : b}`, capacity: 1 + Math.floor(rnd() * 1000) }; })];
// preferential attachment (hubs)
const pa: Edge[] = []; const ends: number[] = [0, 1];
for (let v = 2; pa.length < 10000; v++) for (let k = 0; k < 5 && pa.length < 10000; k++) { const u = ends[Math.floor(rnd() * ends.length)]!; if (u === v) continue; const out = rnd() < 0.5; pa.push(out ? { debtor: `n${v}`, creditor: `n${u}`, capacity: 1 + Math.floor(rnd() * 1000) } : { debtor: `n${u}`, creditor: `n${v}`, capacity: 1 + Math.floor(rnd() * 1000) }); ends.push(u, v); }
shapes.hubs = pa;
// grid torus directed randomly
const g: Edge[] = []; const W = 71;
for (let i = 0; i < W; i++) for (let j = 0; j < W; j++) { const v = i * W + j; for (const w of [i * W + (j + 1) % W, ((i + 1) % W) * W + j]) { const f = rnd() < 0.5; g.push({ debtor: `n${f ? v : w}`, creditor: `n${f ? w : v}`, capacity: 1 + Math.floor(rnd() * 1000) }); } }
shapes.torus = g;
for (const [name, edges] of Object.entries(shapes)) { const t = performance.now(); const r = solveClearing(edges); console.log(name, edges.length, r.total, (performance.now() - t).toFixed(0), "ms", Math.max(...r.potentials.values())); }
