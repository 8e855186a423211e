// Peer exchange through node entries, across real node processes in a line A–B–C: A is public
// (PUBLIC_NODE), so its card travels as a registry entry through B to C, whose operator can then
// add A by the URL it learned; C checks A's domain before it is a peer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { eventually, json, loopbackNode, type NodeProc, startNode } from "../support/processes.ts";
import { tick as tickOnce } from "../support/tick.ts";

const openNode = (name: string, env: Record<string, string> = {}) => loopbackNode(name, { env: { PEER_POLICY: "open", ...env } });

interface NodeView {
  id: string;
  name: string;
  url: string;
  peer: string | null;
  learnedFrom: string | null;
  domain: { host: string; verified: boolean } | null;
}
const nodesOf = async (n: NodeProc) => (await json<{ nodes: NodeView[] }>(await n.admin("GET", "/nodes"))).nodes;
const tick = async (...nodes: NodeProc[]) => {
  for (const n of nodes) await tickOnce(n);
};

let a: NodeProc;
let b: NodeProc;
let c: NodeProc;

beforeAll(async () => {
  [a, b, c] = await Promise.all([openNode("alpha", { PUBLIC_NODE: "true" }), openNode("bravo"), openNode("charlie")]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/peers", { url: c.url }));
}, 60_000);

afterAll(async () => {
  await Promise.all([a, b, c].map((n) => n?.stop()));
});

describe("public nodes", () => {
  it("spreads A's card to C through B, and C adds A by the URL it learned", async () => {
    await eventually(async () => {
      await tick(a, b, c);
      expect(await nodesOf(c)).toEqual([expect.objectContaining({ id: a.nodeId, name: "alpha", url: a.url, peer: null, learnedFrom: b.nodeId })]);
    }, 20_000);
    expect(await nodesOf(b)).toEqual([expect.objectContaining({ id: a.nodeId, peer: "active", learnedFrom: a.nodeId })]);
    // B and C are not public: nobody learns of them.
    expect(await nodesOf(a)).toEqual([]);
    // C checks the domain of a public node it is no peer of, as it does its peers': A's host serves A's card.
    const host = new URL(a.url).host;
    await tick(c);
    expect((await nodesOf(c))[0]?.domain).toMatchObject({ host, verified: true });

    const listed = await cli(["nodes"], { MCPFED_URL: c.url, ADMIN_TOKEN: c.adminToken });
    expect(listed.stdout).toMatch(new RegExp(`${a.nodeId}\\s+alpha\\s+${a.url.replace(/[.]/g, "\\.")}\\s+-\\s+${host.replace(/[.]/g, "\\.")}`));
    await json(await c.admin("POST", "/peers", { url: a.url }));
    expect((await nodesOf(c))[0]?.peer).toBe("active");
  });

  it("withdraws A's card once A is no longer public", async () => {
    await a.stop();
    a = await startNode({ port: a.port, dataDir: a.dataDir, env: { NODE_NAME: "alpha", PUBLIC_URL: a.url, PEER_POLICY: "open" } });
    await eventually(async () => {
      await tick(a, b, c);
      expect(await nodesOf(c)).toEqual([]);
      expect(await nodesOf(b)).toEqual([]);
    }, 20_000);
  });
});
