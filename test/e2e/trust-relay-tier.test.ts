// Gossip withholding across real node processes on loopback (TRUST_RELAY_TIER, src/node/trust/onward.ts):
// O and V are peers of R, and C is a peer of R alone, so C hears of O and V only through R. R relays
// onward only origins of tier `known` and above; it vouches for V, not for O. O and V each publish a
// public entry (a vouch): R keeps both, C gets V's and never O's, however often C and R exchange;
// once R vouches for O too, O's entry reaches C through R's repair.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { tick } from "../support/tick.ts";

interface RegistryView {
  entries: { origin: string; kind: string; key: string; tombstone: boolean }[];
}

const holds = async (at: NodeProc, origin: string) => (await json<RegistryView>(await at.admin("GET", "/registry"))).entries.some((e) => e.origin === origin && e.kind === "vouch" && !e.tombstone);
const tierAt = async (at: NodeProc, node: string) => (await json<{ tier: string }>(await at.admin("GET", `/trust/${node}`))).tier;

let o: NodeProc;
let v: NodeProc;
let r: NodeProc;
let c: NodeProc;

beforeAll(async () => {
  const open = (name: string, env: Record<string, string> = {}) => loopbackNode(name, { env: { PEER_POLICY: "open", ...env } });
  [o, v, r, c] = await Promise.all([open("oscar"), open("victor"), open("romeo", { TRUST_RELAY_TIER: "known" }), open("charlie")]);
  for (const origin of [o, v]) await json(await origin.admin("POST", "/peers", { url: r.url }));
  await json(await c.admin("POST", "/peers", { url: r.url }));
  // R vouches for V; its tick scores V past `known`. O has earned nothing at R.
  await json(await r.admin("POST", "/trust/vouches", { subject: v.nodeId, weight: 100 }));
  await tick(r);
  expect(await tierAt(r, v.nodeId)).not.toBe("newcomer");
  expect(await tierAt(r, o.nodeId)).toBe("newcomer");
}, 90_000);

afterAll(async () => {
  await Promise.all([o, v, r, c].map((n) => n?.stop()));
});

describe("TRUST_RELAY_TIER between real nodes", () => {
  it("keeps a newcomer origin's public entry at the relay and passes on only the trusted origin's", async () => {
    // Each publishes a public entry, about the same node, at the same time.
    for (const origin of [o, v]) await json(await origin.admin("POST", "/trust/vouches", { subject: c.nodeId, weight: 50, visibility: "public" }));
    await eventually(async () => {
      for (const n of [r, c]) await tick(n);
      expect(await holds(r, o.nodeId)).toBe(true);
      expect(await holds(r, v.nodeId)).toBe(true);
      // V's entry took the same way O's would: through R to C.
      expect(await holds(c, v.nodeId)).toBe(true);
    }, 30_000);
    // Every tick of C and R exchanges with the other (push, pull and, on a share of ticks, repair).
    for (let i = 0; i < 6; i++) for (const n of [c, r]) await tick(n);
    expect(await holds(c, o.nodeId)).toBe(false);
  }, 90_000);

  it("passes the entry on once the origin reaches the tier", async () => {
    await json(await r.admin("POST", "/trust/vouches", { subject: o.nodeId, weight: 100 }));
    await tick(r);
    expect(await tierAt(r, o.nodeId)).not.toBe("newcomer");
    // Cursors moved past the withheld entry: it arrives through repair, on a share of ticks.
    await eventually(async () => {
      for (const n of [r, c]) await tick(n);
      expect(await holds(c, o.nodeId)).toBe(true);
    }, 60_000);
  }, 90_000);
});
