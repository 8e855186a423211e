// Version pins between real node processes: A shares one tool under two versions side by side
// (the second under a labelled key); B's catalog shows the newest unless its operator pins one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { withEverything } from "../support/node-with-everything.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";

const openNode = (name: string) => loopbackNode(name, { env: { PEER_POLICY: "open" } });


let everything: Upstream;
let a: NodeProc;
let b: NodeProc;

beforeAll(async () => {
  [{ node: a, everything }, b] = await Promise.all([withEverything(openNode("alpha")), openNode("bravo")]);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await a.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", version: "1.0.0" }));
  await json(await a.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", version: "2.0.0", label: "v2" }));
}, 60_000);

afterAll(async () => {
  await Promise.all([a, b, everything].map((n) => n?.stop()));
});

describe("version pins", () => {
  it("shows the newest version by default, the pinned one once pinned, the newest again once unpinned", async () => {
    const env = { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken };
    const client = await connect(b.mcpUrl);
    try {
      const echoIds = async () => (await client.listTools()).tools.filter((t) => t.name === "alpha_everything_echo").map((t) => t._meta?.["mcpfed/id"]);
      await eventually(async () => expect(await echoIds()).toEqual([`${a.nodeId}/everything/echo@v2`]), 10_000);

      const pinned = await cli(["pin-version", a.nodeId, "everything/echo", "1.0.0"], env);
      expect(pinned, pinned.stderr).toMatchObject({ code: 0, stdout: `everything/echo of ${a.nodeId} pinned to 1.0.0\n` });
      expect(await echoIds()).toEqual([`${a.nodeId}/everything/echo`]);
      expect((await json<{ pins: unknown[] }>(await b.admin("GET", "/registry/pins"))).pins).toEqual([
        expect.objectContaining({ origin: a.nodeId, tool: "everything/echo", version: "1.0.0" }),
      ]);

      const unpinned = await cli(["unpin-version", a.nodeId, "everything/echo"], env);
      expect(unpinned, unpinned.stderr).toMatchObject({ code: 0 });
      expect(await echoIds()).toEqual([`${a.nodeId}/everything/echo@v2`]);
    } finally {
      await client.close();
    }
  });

  it("refuses a pin on a version that is not live, and an unpin of what is not pinned", async () => {
    expect((await b.admin("PUT", "/registry/pins", { origin: a.nodeId, key: "everything/echo", version: "3.0.0" })).status).toBe(404);
    expect((await b.admin("DELETE", `/registry/pins/${a.nodeId}/everything/echo`)).status).toBe(404);
  });
});
