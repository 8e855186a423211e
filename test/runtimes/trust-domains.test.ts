// Domain verification on Deno and workerd: each node's tick fetches the other's card at its card's
// host through the runtime's own fetch and outbound guard, and finds it verified.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { TickReport } from "../../src/node/tick.ts";
import { freePort, json, type NodeProc } from "../support/processes.ts";
import { startDenoNode, startWorkerd } from "../support/runtimes.ts";

let deno: NodeProc;
let workerd: NodeProc;

beforeAll(async () => {
  const port = await freePort();
  [deno, workerd] = await Promise.all([
    startDenoNode({ port, env: { NODE_NAME: "on-deno", PUBLIC_URL: `http://127.0.0.1:${port}`, PEER_POLICY: "open" } }),
    startWorkerd({ env: { NODE_NAME: "on-workerd", PEER_POLICY: "open" } }),
  ]);
  await json(await deno.admin("POST", "/peers", { url: workerd.url }));
}, 180_000);

afterAll(async () => {
  await Promise.all([deno, workerd].map((n) => n?.stop()));
});

test("Deno and workerd each verify the other's domain on their tick", async () => {
  for (const [node, other] of [[deno, workerd], [workerd, deno]] as const) {
    const report = await json<TickReport>(await node.admin("POST", "/tick"));
    expect(report.domains).toEqual({ checked: [{ node: other.nodeId, host: new URL(other.url).host, verified: true }] });
    const [peer] = (await json<{ peers: { id: string; domain: unknown }[] }>(await node.admin("GET", "/peers"))).peers;
    expect(peer).toMatchObject({ id: other.nodeId, domain: { host: new URL(other.url).host, verified: true } });
  }
});
