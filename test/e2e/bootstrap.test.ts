// BOOTSTRAP_PEERS between real node processes: the tick peers with the listed nodes that are not
// peers yet, and a node it cannot reach only shows as a failure in the tick's report.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, json, loopbackNode, type NodeProc, startNode } from "../support/processes.ts";
import { tick } from "../support/tick.ts";

const envNode = (name: string, env: Record<string, string> = {}) => loopbackNode(name, { env });

const peersOf = async (n: NodeProc) => (await json<{ peers: { id: string; state: string }[] }>(await n.admin("GET", "/peers"))).peers;

let a: NodeProc;
let b: NodeProc;
// Nothing listens there.
let nowhere: string;

beforeAll(async () => {
  a = await envNode("alpha", { PEER_POLICY: "open" });
  nowhere = `http://127.0.0.1:${await freePort()}`;
  // B's own URL in the list is skipped: every node may be given the same list.
  const port = await freePort();
  b = await startNode({ port, env: { NODE_NAME: "bravo", PUBLIC_URL: `http://127.0.0.1:${port}`, BOOTSTRAP_PEERS: `${a.url}, ${nowhere}, http://127.0.0.1:${port}` } });
}, 60_000);

afterAll(async () => {
  await Promise.all([a, b].map((n) => n?.stop()));
});

describe("bootstrap peers", () => {
  it("peers B with A on a tick, and reports the unreachable one without failing the tick", async () => {
    const report = await tick(b, { bootstrap: [nowhere] });
    expect(report.bootstrap).toContainEqual(expect.objectContaining({ url: nowhere, ok: false }));
    expect(await peersOf(b)).toEqual([expect.objectContaining({ id: a.nodeId, state: "active" })]);
    expect(await peersOf(a)).toEqual([expect.objectContaining({ id: b.nodeId, state: "active" })]);
  });

  it("leaves a bootstrap node alone once it is a peer, even when blocked", async () => {
    await json(await b.admin("POST", `/peers/${a.nodeId}/block`));
    const report = await tick(b, { bootstrap: [nowhere] });
    expect(report.bootstrap.map((r) => r.url)).toEqual([nowhere]);
    expect(await peersOf(b)).toEqual([expect.objectContaining({ id: a.nodeId, state: "blocked" })]);
  });
});

describe("BOOTSTRAP_PEERS", () => {
  it("refuses a value that is not a list of http(s) URLs", async () => {
    await expect(envNode("bad", { BOOTSTRAP_PEERS: "ftp://example.com" })).rejects.toThrow(/BOOTSTRAP_PEERS/);
  });
});
