// Domain verification and validator attestations (protocol §7.1.2) on real node processes on
// loopback. A peers with B, with P, and with two nodes the test plays (S, a validator A's operator
// named in TRUST_VALIDATORS, and T, who is not). Then P's address is taken over by another node,
// Q. A's tick finds that B, S and T serve their own cards at their card's host, and that P's host
// serves Q's card instead. A shows the attestation S signed about B, never T's, nor an expired one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TickReport } from "../../src/node/tick.ts";
import type { UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { cli } from "../support/cli.ts";
import { json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { stranger, type Stranger } from "../support/stranger.ts";

interface PeerView {
  id: string;
  domain: { host: string; verified: boolean; checkedAt: string; reason?: string } | null;
  attestations: { by: string; status: string; domain?: string; expiresAt: string }[];
}

let a: NodeProc;
let b: NodeProc;
let p: NodeProc;
let q: NodeProc;
let pId: string;
let s: Stranger;
let t: Stranger;

// A's tick as is: its ledger and gossip rounds fail against S and T, which serve only their cards,
// and against P's address, now Q's; only the domain checks are looked at.
const tickA = async () => json<TickReport>(await a.admin("POST", "/tick"));
const peersOfA = async () => (await json<{ peers: PeerView[] }>(await a.admin("GET", "/peers"))).peers;
const hostOf = (url: string) => new URL(url).host;

beforeAll(async () => {
  [s, t] = await Promise.all([stranger({ name: "validator", serve: true }), stranger({ name: "someone", serve: true })]);
  const open = { PEER_POLICY: "open" };
  [a, b, p] = await Promise.all([loopbackNode("alpha", { env: { ...open, TRUST_VALIDATORS: s.id } }), loopbackNode("bravo", { env: open }), loopbackNode("papa", { env: open })]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await a.admin("POST", "/peers", { url: p.url }));
  for (const x of [s, t]) {
    const hello = await x.hello(a);
    expect(await hello.answer(await hello.post())).toMatchObject({ ok: true, result: { state: "active" } });
  }
  pId = p.nodeId;
  await p.stop();
  q = await loopbackNode("quebec", { port: p.port });
}, 90_000);

afterAll(async () => {
  await Promise.all([a, b, q].map((n) => n?.stop()));
  await Promise.all([s, t].map((x) => x?.close()));
});

describe("domain verification", () => {
  it("verifies the peers whose card's host serves their own card, and not the one whose host serves another node's", async () => {
    const report = await tickA();
    expect(report.domains.error).toBeUndefined();
    expect(new Map(report.domains.checked.map((c) => [c.node, c.verified]))).toEqual(new Map([[b.nodeId, true], [pId, false], [s.id, true], [t.id, true]]));
    const peers = new Map((await peersOfA()).map((x) => [x.id, x]));
    expect(peers.get(b.nodeId)!.domain).toMatchObject({ host: hostOf(b.url), verified: true });
    // Both proofs failed, and the reason gives each one's: no DNS record here, and the wrong card.
    expect(peers.get(pId)!.domain).toMatchObject({ host: hostOf(p.url), verified: false });
    expect(peers.get(pId)!.domain!.reason).toMatch(/^DNS: .+; well-known: /);
    expect(peers.get(pId)!.domain!.reason).toContain(`well-known: ${hostOf(p.url)} serves the card of another node (${q.nodeId})`);
    const detail = await json<{ peer: PeerView }>(await a.admin("GET", `/peers/${b.nodeId}`));
    expect(detail.peer.domain).toMatchObject({ host: hostOf(b.url), verified: true });

    const listed = await cli(["peer", "list"], { MCPFED_URL: a.url, ADMIN_TOKEN: a.adminToken });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${b.nodeId}\\s.*\\s${hostOf(b.url).replace(/\./g, "\\.")}$`, "m"));
    expect(listed.stdout).toMatch(new RegExp(`^${pId}\\s.*\\s-$`, "m"));

    // At most daily: the next tick checks nobody again.
    expect((await tickA()).domains.checked).toEqual([]);
  });
});

describe("validator attestations", () => {
  let counter = 0;
  async function attest(by: Stranger, body: Record<string, unknown>, wall = Date.now()) {
    const unsigned = { origin: by.id, kind: "attestation", key: `${body.subject}/${body.status}`, visibility: "public", hlc: encodeHlc({ wall, counter: counter++ }), tombstone: false, body } as UnsignedEntry;
    const entry = (await signEntry(unsigned, by.entrySigner)).signed;
    const request = await sealAs({ seed: by.seed, id: by.id }, a, "exchange", { entries: [entry] });
    const answer = await openedAnswer(request, await request.post());
    expect(answer).toMatchObject({ ok: true, result: { refused: 0 } });
  }

  it("shows a live attestation only from a validator the operator named", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + 30 * 86_400;
    await attest(s, { subject: b.nodeId, status: "verified-domain", domain: "bravo.example.org", expiresAt });
    await attest(t, { subject: b.nodeId, status: "premium", expiresAt });
    // Signed two days ago for a day: admitted, stored, and expired.
    await attest(s, { subject: b.nodeId, status: "premium", expiresAt: now - 86_400 }, Date.now() - 2 * 86_400_000);
    const peer = (await peersOfA()).find((x) => x.id === b.nodeId)!;
    expect(peer.attestations).toEqual([{ by: s.id, status: "verified-domain", domain: "bravo.example.org", expiresAt: new Date(expiresAt * 1000).toISOString() }]);
    expect((await peersOfA()).find((x) => x.id === pId)!.attestations).toEqual([]);
  });
});
