// The CLI as an operator runs it: a child process against a real node and a real upstream.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import {
  everythingStdio,
  freePort,
  startEverything,
  startNode,
  type NodeProc,
  type Upstream,
} from "../support/processes.ts";

const SECRET_HEADER = "hunter2-header-value";
const SECRET_BEARER = "upstream-bearer-value";

describe("mcpfed CLI", () => {
  let everything: Upstream;
  let node: NodeProc;
  let mcp: Client;
  let env: Record<string, string>;
  const run = (...args: string[]) => cli(args, env);
  const toolNames = async () => (await mcp.listTools()).tools.map((t) => t.name);

  beforeAll(async () => {
    [everything, node] = await Promise.all([startEverything(), startNode()]);
    env = { MCPFED_URL: node.url, ADMIN_TOKEN: node.adminToken };
    mcp = await connect(node.mcpUrl);
  });

  afterAll(async () => {
    await mcp?.close();
    await Promise.all([node?.stop(), everything?.stop()]);
  });

  it("prints help through the npx launcher", async () => {
    const r = await cli(["--help"], {}, true);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("upstream add");
    expect(r.stdout).toContain("invocations");
    const sub = await cli(["tool", "rename", "--help"], {}, true);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain("Usage: mcpfed tool rename <name> <new-name>");
  });

  it("adds an http upstream and lists it with its secrets masked", async () => {
    const add = await run("upstream", "add", "everything", "--url", everything.url, "--header", `X-Api-Key=${SECRET_HEADER}`, "--bearer", SECRET_BEARER);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain("added upstream everything");

    const list = await run("upstream", "list");
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^everything\s+http\s+ok\s+\d+/m);
    expect(list.stdout).toContain("X-Api-Key=***");
    expect(list.stdout).toContain("Authorization=***");

    const json = await run("--json", "upstream", "list");
    expect(json.code, json.stderr).toBe(0);
    const [row] = (JSON.parse(json.stdout) as { upstreams: { name: string; headers: Record<string, string> }[] }).upstreams;
    expect(row).toMatchObject({ name: "everything", headers: { "X-Api-Key": "***", Authorization: "***" } });

    for (const out of [add, list, json]) {
      expect(out.stdout + out.stderr).not.toContain(SECRET_HEADER);
      expect(out.stdout + out.stderr).not.toContain(SECRET_BEARER);
      expect(out.stdout + out.stderr).not.toContain(node.adminToken);
    }
  });

  it("lists the upstream's tools", async () => {
    const r = await run("tool", "list", "--upstream", "everything");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^everything_echo\s+local\s+everything\s+echo\s/m);
  });

  it("renames a tool, which MCP clients then see and call by the new name", async () => {
    const r = await run("tool", "rename", "everything_echo", "say_back");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("say_back");
    const names = await toolNames();
    expect(names).toContain("say_back");
    expect(names).not.toContain("everything_echo");
    const result = await mcp.callTool({ name: "say_back", arguments: { message: "hi from the cli test" } });
    expect(JSON.stringify(result.content)).toContain("hi from the cli test");
  });

  it("hides a tool from tools/list, and the CLI still shows it as hidden", async () => {
    const r = await run("tool", "hide", "say_back");
    expect(r.code, r.stderr).toBe(0);
    expect(await toolNames()).not.toContain("say_back");
    const list = await run("tool", "list");
    expect(list.stdout).toMatch(/^say_back\s+local\s+everything\s+echo\s+hidden\s/m);
  });

  it("adds a stdio upstream whose tools appear over MCP", async () => {
    const r = await run("upstream", "add", "ev-stdio", "--stdio", "--env", "MCPFED_TEST=1", "--", everythingStdio.command, ...everythingStdio.args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("added upstream ev-stdio (stdio");
    const tools = await run("--json", "tool", "list", "--upstream", "ev-stdio");
    const listed = (JSON.parse(tools.stdout) as { tools: { name: string; upstreamName: string }[] }).tools;
    expect(listed.find((t) => t.upstreamName === "echo")?.name).toBe("ev-stdio_echo");
    expect(await toolNames()).toContain("ev-stdio_echo");
    const show = await run("upstream", "show", "ev-stdio");
    expect(show.stdout).toContain("MCPFED_TEST=***");
  });

  it("reports a rejected name with the API's message and a non-zero exit", async () => {
    const r = await run("upstream", "add", "Not_Valid", "--url", everything.url);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("invalid_request");
    expect(r.stderr).toMatch(/name: lowercase letters/);
  });

  it("reports a wrong token as unauthorized, without echoing it", async () => {
    const token = "definitely-not-the-admin-token";
    const r = await cli(["upstream", "list"], { ...env, ADMIN_TOKEN: token });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unauthorized/i);
    expect(r.stdout + r.stderr).not.toContain(token);
  });

  it("reads the token from DATA_DIR/admin-token when ADMIN_TOKEN is unset", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcpfed-cli-"));
    writeFileSync(join(dir, "admin-token"), `${node.adminToken}\n`);
    const r = await cli(["upstream", "list"], { MCPFED_URL: node.url, DATA_DIR: dir });
    rmSync(dir, { recursive: true, force: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("everything");
  });

  it("says plainly when no node is listening", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await cli(["--url", url, "upstream", "list"], { ADMIN_TOKEN: node.adminToken });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`cannot reach node at ${url}`);
  });

  it("refuses a malformed command line with exit code 2", async () => {
    const r = await run("tool", "rename", "only-one-name");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("usage: mcpfed tool rename");
  });

  it("removes an upstream, and its tools leave the catalog", async () => {
    const r = await run("upstream", "remove", "everything");
    expect(r.code, r.stderr).toBe(0);
    const list = await run("upstream", "list");
    expect(list.stdout).not.toMatch(/^everything\s/m);
    const tools = await mcp.listTools();
    expect(tools.tools.filter((t) => t.name.startsWith("everything_"))).toEqual([]);
    const again = await run("upstream", "remove", "everything");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("no such upstream");
  });
});
