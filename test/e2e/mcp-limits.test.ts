// Abuse of /mcp against a real node process in front of the real everything server: arguments
// nested thousands deep, and standing GET streams opened until something gives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawMcp } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { type NodeProc, type Upstream } from "../support/processes.ts";

let everything: Upstream;
let node: NodeProc;

beforeAll(async () => {
  ({ node, everything } = await startNodeWithEverything({ env: { AUTHLESS: "false", MAX_STREAMS_PER_PRINCIPAL: "3", MAX_STREAMS: "5" } }));
});
afterAll(async () => {
  await Promise.all([node?.stop(), everything?.stop()]);
});

async function apiToken(name: string): Promise<Record<string, string>> {
  const res = await node.admin("POST", "/tokens", { name });
  expect(res.status).toBe(201);
  return { authorization: `Bearer ${((await res.json()) as { secret: string }).secret}` };
}

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const echo = (extra: string) =>
  `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"everything_echo","arguments":{"message":"hi","extra":${extra}}}}`;

describe("deeply nested arguments", () => {
  it("are refused at the boundary with -32602, and the upstream stays available", async () => {
    const auth = await apiToken("nester");
    const res = await rawMcp(node.mcpUrl, echo(nested(5000)), auth);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { id: unknown; error: { code: number; message: string } };
    expect(body.id).toBe(7);
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toContain("nested more than 64 levels");

    const upstreams = (await (await node.admin("GET", "/upstreams")).json()) as { upstreams: { name: string; status: string }[] };
    expect(upstreams.upstreams.find((u) => u.name === "everything")?.status).not.toBe("unavailable");
    // Arguments a real tool takes still pass, nesting and all.
    const ok = await rawMcp(node.mcpUrl, echo(nested(30)), auth);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("Echo: hi");
  });
});

describe("standing streams", () => {
  const open = (headers: Record<string, string>) => {
    const ac = new AbortController();
    const res = fetch(node.mcpUrl, { headers: { accept: "text/event-stream", ...headers }, signal: ac.signal });
    return { res, close: () => ac.abort() };
  };

  it("are capped per principal (429) and in total (503), and a closed one frees its place", async () => {
    const [alice, bob] = [await apiToken("alice"), await apiToken("bob")];
    const held = [open(alice), open(alice), open(alice)];
    for (const s of held) expect((await s.res).status).toBe(200);
    const fourth = await open(alice).res;
    expect(fourth.status).toBe(429);
    expect(await fourth.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000, data: { type: "too_many_streams", scope: "principal" } } });

    const bobs = [open(bob), open(bob)];
    for (const s of bobs) expect((await s.res).status).toBe(200);
    const carol = await apiToken("carol");
    const full = await open(carol).res;
    expect(full.status).toBe(503);
    expect(await full.json()).toMatchObject({ error: { data: { type: "too_many_streams", scope: "total" } } });

    held[0]!.close();
    await expect.poll(async () => {
      const s = open(carol);
      const status = (await s.res).status;
      if (status === 200) s.close();
      return status;
    }).toBe(200);
    for (const s of [...held, ...bobs]) s.close();
  });
});
