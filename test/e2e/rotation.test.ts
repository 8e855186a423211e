// Signing-key rotation between node processes: the node restarts with a new NODE_SEED and
// PREVIOUS_NODE_SEED, keeps its id, carries the hand-over in its card, and its peer learns the
// new key from the hello the tick sends.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { cli } from "../support/cli.ts";
import { freePort, startNode, waitFor, type NodeProc } from "../support/processes.ts";

const body = async <T>(res: Response): Promise<T> => (await res.json()) as T;
const [s0, s1, s2] = [newSeed(), newSeed(), newSeed()];
let port: number;
let dataDir: string;
let node: NodeProc;
let peer: NodeProc;

const run = (env: Record<string, string>) =>
  startNode({ port, dataDir, env: { NODE_NAME: "rotating", PUBLIC_URL: `http://127.0.0.1:${port}`, ...env } });

beforeAll(async () => {
  port = await freePort();
  const peerPort = await freePort();
  [node, peer] = await Promise.all([
    startNode({ port, env: { NODE_NAME: "rotating", PUBLIC_URL: `http://127.0.0.1:${port}`, NODE_SEED: s0 } }),
    startNode({ port: peerPort, env: { NODE_NAME: "peer", PUBLIC_URL: `http://127.0.0.1:${peerPort}`, PEER_POLICY: "open" } }),
  ]);
  dataDir = node.dataDir;
});

afterAll(async () => {
  await Promise.all([node?.stop(), peer?.stop()]);
});

it("keeps the node id across a signing-key rotation, and the peer follows the new key", async () => {
  const added = await node.admin("POST", "/peers", { url: peer.url });
  expect(added.status, await added.clone().text()).toBe(201);
  const peerId = (await body<{ peer: { id: string } }>(added)).peer.id;
  const before = await body<{ id: string; card: Card }>(await node.admin("GET", "/identity"));
  expect(before.card.rotations).toBeUndefined();

  await node.stop();
  node = await run({ NODE_SEED: s1, PREVIOUS_NODE_SEED: s0 });
  const after = await body<{ id: string; card: Card }>(await node.admin("GET", "/identity"));
  expect(after.id).toBe(before.id);
  expect(after.card.keys.sig.kid).not.toBe(before.card.keys.sig.kid);
  expect(after.card.rotations).toHaveLength(1);
  expect(after.card.rotations![0]!.prev).toBe(before.card.keys.sig.pub);

  // The start-up tick says hello with the new card; the peer checks the chain and keeps it.
  await waitFor(
    async () => (await body<{ peer: { signingKeyId: string } }>(await peer.admin("GET", `/peers/${before.id}`))).peer.signingKeyId === after.card.keys.sig.kid,
    "the peer learning the new signing key",
    node,
    15_000,
  );
  expect((await node.admin("POST", `/peers/${peerId}/ping`)).status).toBe(200);
  const announce = await cli(["peer", "announce"], { MCPFED_URL: node.url, ADMIN_TOKEN: node.adminToken });
  expect(announce.stdout).toContain("every active peer already has this node's current key");

  // The chain is stored: PREVIOUS_NODE_SEED can go.
  await node.stop();
  node = await run({ NODE_SEED: s1 });
  expect((await body<{ id: string }>(await node.admin("GET", "/identity"))).id).toBe(before.id);
});

it("refuses to start when NODE_SEED changed without PREVIOUS_NODE_SEED", async () => {
  await node.stop();
  await expect(run({ NODE_SEED: s2 })).rejects.toThrow(/NODE_SEED: not the key this node's rotation chain ends at/);
  node = await run({ NODE_SEED: s1 });
});
