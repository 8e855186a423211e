// The MCP Inspector's CLI, a client we did not write, against node A whose tools, resources and
// prompts come from peer B (which fronts server-everything). The Inspector needs Node ≥ 22: it runs on the Node 24 in tools/.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, json, loopbackNode, type NodeProc, startEverything, TOOLS, type Upstream } from "../support/processes.ts";

const INSPECTOR = join(TOOLS, "../@modelcontextprotocol/inspector/clients/launcher/build/index.js");

/** One Inspector CLI run; its stdout is the JSON answer. */
function inspector(url: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(join(TOOLS, "node"), [INSPECTOR, "--cli", url, ...args], {
    // Its catalog file goes to a temp HOME, never the user's.
    env: { ...process.env, HOME: process.env.TMPDIR ?? "/tmp", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

async function inspect<T>(url: string, args: string[]): Promise<T> {
  const r = await inspector(url, args);
  expect(r.code, `${r.out}\n${r.err}`).toBe(0);
  return JSON.parse(r.out) as T;
}

let up: Upstream;
let a: NodeProc;
let b: NodeProc;

beforeAll(async () => {
  up = await startEverything();
  [a, b] = await Promise.all([loopbackNode("alpha", { env: { PEER_POLICY: "open" } }), loopbackNode("bravo", { env: { PEER_POLICY: "open" } })]);
  expect((await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  // Everything of the upstream: its tools, resources, templates and prompts.
  await json(await b.admin("POST", "/shares", { upstream: "everything", visibility: "peers" }));
}, 90_000);

afterAll(async () => {
  await Promise.all([a, b, up].map((n) => n?.stop()));
});

describe("the MCP Inspector CLI through A → B", () => {
  it("lists B's shared tools on A and calls them across the hop", async () => {
    const listed = await eventually(async () => {
      const { tools } = await inspect<{ tools: { name: string }[] }>(a.mcpUrl, ["--method", "tools/list"]);
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["bravo_everything_echo", "bravo_everything_get-sum"]));
      return tools;
    }, 20_000);
    expect(listed.find((t) => t.name === "bravo_everything_echo")).toBeDefined();

    const echo = await inspect<{ content: { type: string; text: string }[] }>(a.mcpUrl, [
      "--method", "tools/call", "--tool-name", "bravo_everything_echo", "--tool-arg", "message=over the hop",
    ]);
    expect(echo.content).toEqual([{ type: "text", text: "Echo: over the hop" }]);
    const sum = await inspect<{ content: { text: string }[] }>(a.mcpUrl, ["--method", "tools/call", "--tool-name", "bravo_everything_get-sum", "--tool-arg", "a=2", "b=40"]);
    expect(sum.content[0]!.text).toContain("42");
  });

  it("lists and reads B's resources and gets B's prompts on A", async () => {
    const uri = "demo://resource/static/document/architecture.md";
    await eventually(async () => {
      const { resources } = await inspect<{ resources: { uri: string }[] }>(a.mcpUrl, ["--method", "resources/list"]);
      expect(resources.map((r) => r.uri)).toContain(uri);
    }, 20_000);
    const read = await inspect<{ contents: { uri: string; text: string }[] }>(a.mcpUrl, ["--method", "resources/read", "--uri", uri]);
    expect(read.contents[0]).toMatchObject({ uri, text: expect.stringContaining("Architecture") });

    const { prompts } = await inspect<{ prompts: { name: string }[] }>(a.mcpUrl, ["--method", "prompts/list"]);
    expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(["bravo_everything_simple-prompt", "bravo_everything_args-prompt"]));
    const simple = await inspect<{ messages: { content: { text: string } }[] }>(a.mcpUrl, ["--method", "prompts/get", "--prompt-name", "bravo_everything_simple-prompt"]);
    expect(simple.messages[0]!.content.text).toBe("This is a simple prompt without arguments.");
    const args = await inspect<{ messages: { content: { text: string } }[] }>(a.mcpUrl, [
      "--method", "prompts/get", "--prompt-name", "bravo_everything_args-prompt", "--prompt-args", "city=Lyon",
    ]);
    expect(args.messages[0]!.content.text).toContain("Lyon");
  });
});
