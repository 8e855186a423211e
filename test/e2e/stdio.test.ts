// A stdio upstream on Node: server-everything spawned as a child process by the node.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { everythingStdio, startNode, type NodeProc } from "../support/processes.ts";

let node: NodeProc;
let client: Client;

beforeAll(async () => {
  node = await startNode();
  const res = await node.admin("POST", "/upstreams", { name: "local-ev", kind: "stdio", ...everythingStdio, prefix: "ev" });
  expect(res.status).toBe(201);
  expect((await res.json()).upstream).toMatchObject({ kind: "stdio", status: "ok", tools: expect.any(Number) });
  client = await connect(node.mcpUrl);
});

afterAll(async () => {
  await client?.close();
  await node?.stop();
});

it("lists and calls the stdio server's tools", async () => {
  const names = (await client.listTools()).tools.map((t) => t.name);
  expect(names).toContain("ev_echo");
  const r = await client.callTool({ name: "ev_echo", arguments: { message: "over stdio" } });
  expect(r.content).toEqual([{ type: "text", text: "Echo: over stdio" }]);
});

/** Pids of the node's children that run server-everything over stdio. */
function stdioChildren(parent: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === parent && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("mcp-server-everything");
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
}

it("reuses one child process across calls", async () => {
  const before = stdioChildren(node.child.pid!);
  expect(before).toHaveLength(1);
  await Promise.all(Array.from({ length: 5 }, () => client.callTool({ name: "ev_echo", arguments: { message: "x" } })));
  expect(stdioChildren(node.child.pid!)).toEqual(before);
});

it("keeps secrets of the registered env out of the admin API", async () => {
  const res = await node.admin("POST", "/upstreams", {
    name: "with-env",
    kind: "stdio",
    ...everythingStdio,
    env: { API_KEY: "stdio-secret" },
  });
  expect(res.status).toBe(201);
  const text = await (await node.admin("GET", "/upstreams/with-env")).text();
  expect(text).not.toContain("stdio-secret");
  expect(JSON.parse(text).upstream.env).toEqual({ API_KEY: "***" });
});
