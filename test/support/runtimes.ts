// mcpfed nodes under the other runtimes: the Deno entry point, and the Workers entry point under
// `wrangler dev` (workerd, with a local D1 from miniflare). Each gets its own state folder.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { signIn } from "./console.ts";
import { connect, rawMcp } from "./mcp.ts";
import { accessTokenFor } from "./oauth.ts";
import { ADMIN_TOKEN, adminClient, TOOLS, freePort, nodeIdAt, ROOT, start, startNode, tempDir, waitFor, type NodeProc, type Proc, type Upstream } from "./processes.ts";

export interface RuntimeOptions {
  env?: Record<string, string>;
  port?: number;
  /** More `deno run` flags, e.g. --preload. */
  flags?: string[];
}

/** `deno run -A src/runtimes/deno.ts` with its own data folder (embedded libSQL file). */
export async function startDenoNode(opts: RuntimeOptions = {}): Promise<NodeProc> {
  const port = opts.port ?? (await freePort());
  const dataDir = tempDir("mcpfed-deno-");
  const env = { PORT: String(port), DATA_DIR: dataDir, ADMIN_TOKEN, TICK_SECONDS: "3600", NO_COLOR: "1", ...opts.env };
  const proc = start(join(TOOLS, "deno"), ["run", "-A", ...(opts.flags ?? []), join(ROOT, "src/runtimes/deno.ts")], env);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, "mcpfed on deno", proc, 60_000);
  return { ...proc, nodeId: await nodeIdAt(url), port, url, mcpUrl: `${url}/mcp`, dataDir, adminToken: ADMIN_TOKEN, admin: adminClient(url, ADMIN_TOKEN) };
}

/** tools/' wrangler (its workerd has the modern WebCrypto algorithms) on tools/' Node 24, which it needs. */
export const WRANGLER = [join(TOOLS, "node"), join(ROOT, "tools/node_modules/wrangler/bin/wrangler.js")] as const;
// No metrics, no prompts, and no fetch of the Request.cf placeholder from workers.cloudflare.com:
// nothing but loopback.
export const WRANGLER_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true", NO_COLOR: "1" };

/**
 * The worker under `wrangler dev --local`. Settings go in a temporary env file, which also keeps
 * a developer's own .dev.vars out of the test. `dataDir` is the miniflare persistence folder.
 */
export async function startWorkerd(opts: RuntimeOptions = {}): Promise<NodeProc> {
  const port = opts.port ?? (await freePort());
  const dataDir = tempDir("mcpfed-workerd-");
  const vars = {
    ADMIN_TOKEN,
    NODE_SEED: newSeed(),
    // Workers are public by nature; on loopback the test runs authless, with loopback upstreams.
    AUTHLESS: "true",
    ALLOW_PRIVATE_URLS: "true",
    ALLOWED_HOSTS: "127.0.0.1,localhost",
    ...opts.env,
  };
  const envFile = join(dataDir, "test.env");
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${v}`).join("\n"));
  const args = [
    WRANGLER[1], "dev", "--local",
    "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()),
    "--persist-to", join(dataDir, "state"), "--env-file", envFile,
    "--test-scheduled", "--show-interactive-dev-session=false", "--log-level", "info",
  ];
  const proc = start(WRANGLER[0], args, WRANGLER_ENV);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, "mcpfed on workerd", proc, 90_000);
  return { ...proc, nodeId: await nodeIdAt(url), port, url, mcpUrl: `${url}/mcp`, dataDir, adminToken: ADMIN_TOKEN, admin: adminClient(url, ADMIN_TOKEN) };
}

export interface TestWorker extends Proc {
  url: string;
}

/**
 * A worker other than the node (a test or benchmark harness) under `wrangler dev --local`, with the
 * repository's compatibility date and the given flags (none: WebCrypto without the modern algorithms).
 * It must answer GET / once it is up.
 */
export async function startTestWorker(main: string, flags: string[]): Promise<TestWorker> {
  const port = await freePort();
  const dir = tempDir("mcpfed-test-worker-");
  const date = /^compatibility_date = "([\d-]+)"/m.exec(readFileSync(join(ROOT, "wrangler.toml"), "utf8"))![1]!;
  const config = join(dir, "wrangler.json");
  writeFileSync(config, JSON.stringify({ name: "mcpfed-test-worker", main, compatibility_date: date, compatibility_flags: flags }));
  const proc = start(
    WRANGLER[0],
    [WRANGLER[1], "dev", "--local", "--config", config, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()), "--persist-to", join(dir, "state"), "--show-interactive-dev-session=false"],
    WRANGLER_ENV,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(url)).ok, `test worker ${main}`, proc, 90_000);
  return { ...proc, url };
}

/** The same OAuth check on every runtime: an access token works, a tampered one gets 401. */
export async function expectTokensHonoured(node: NodeProc): Promise<void> {
  const token = await accessTokenFor(node.url, node.adminToken);
  const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
  expect((await rawMcp(node.mcpUrl, list, { authorization: `Bearer ${token}` })).status).toBe(200);
  // Authless, a caller may come without a token, but not with a bad one.
  expect((await rawMcp(node.mcpUrl, list, { authorization: `Bearer ${token.slice(0, -2)}xx` })).status).toBe(401);
}

/** The same round trip on every runtime: register a real upstream, list and call through the node. */
export async function expectUpstreamRoundTrip(node: NodeProc, upstream: Upstream, runtime: string): Promise<Client> {
  const res = await node.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url });
  expect(res.status, await res.clone().text()).toBe(201);
  expect(((await res.json()) as { refresh: { ok: boolean } }).refresh.ok).toBe(true);

  const client = await connect(node.mcpUrl);
  expect(client.getServerVersion()?.name).toBeTruthy();
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toContain("everything_echo");

  const result = await client.callTool({ name: "everything_echo", arguments: { message: `from ${runtime}` } });
  expect(result.isError ?? false).toBe(false);
  expect(result.content).toEqual([{ type: "text", text: `Echo: from ${runtime}` }]);
  return client;
}

export type RuntimeName = "node" | "deno" | "workerd";

/** One open-policy node on each runtime, each knowing its own URL, started together. */
export async function startOnEveryRuntime(): Promise<Record<RuntimeName, NodeProc>> {
  const [nodePort, denoPort] = await Promise.all([freePort(), freePort()]);
  const own = (name: string, port: number) => ({ NODE_NAME: name, PUBLIC_URL: `http://127.0.0.1:${port}`, PEER_POLICY: "open" });
  const [node, deno, workerd] = await Promise.all([
    startNode({ port: nodePort, env: own("on-node", nodePort) }),
    startDenoNode({ port: denoPort, env: own("on-deno", denoPort) }),
    startWorkerd({ env: { NODE_NAME: "on-workerd", PEER_POLICY: "open" } }),
  ]);
  return { node, deno, workerd };
}

/** The landing page and a signed-in console page, as a browser would fetch them from `node`. */
export async function expectConsoleServed(node: NodeProc): Promise<void> {
  const landing = await fetch(`${node.url}/`, { headers: { accept: "text/html" } });
  expect(landing.status).toBe(200);
  expect(await landing.text()).toContain(`${node.url}/mcp`);
  const op = await signIn(fetch, node.url, node.adminToken);
  const page = await op.page("/console/catalog");
  expect(page.status).toBe(200);
  expect(page.res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(page.html).toContain('<html lang="en" dir="ltr">');
  // The pages of the call figures: the first view moves the store's kept window (one batch) and reads its sums.
  for (const path of ["/console/overview", "/console/federation", "/console/calls"]) expect((await op.page(path)).status, path).toBe(200);
}
