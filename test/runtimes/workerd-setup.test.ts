// A fresh Cloudflare deploy, as far as it can be run here: the bundle `wrangler deploy --dry-run`
// builds from the repository, served as is (no second bundling) by workerd under `wrangler dev`
// with the repository's wrangler.toml and a fresh local D1. Without secrets every route answers
// the setup page or setup_required; restarted with them, the landing page and the node.
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { freePort, ROOT, start, tempDir, waitFor, type Proc } from "../support/processes.ts";
import { WRANGLER, WRANGLER_ENV } from "../support/runtimes.ts";

const TOKEN = "setup-test-admin-token-0123456789";
const BROWSER = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
const dir = tempDir("mcpfed-workerd-setup-");
const bundle = join(dir, "out", "worker.js");
const state = join(dir, "state");
let port: number;
let url: string;
let worker: Proc | undefined;

/** wrangler dev on the built bundle, with exactly the settings in `vars` (none: a fresh deploy). */
async function serveBundle(vars: Record<string, string>): Promise<Proc> {
  const envFile = join(dir, "test.env");
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${v}`).join("\n"));
  const args = [
    // The config named: given a script, wrangler would look for one beside it, and find none.
    WRANGLER[1], "dev", bundle, "--config", join(ROOT, "wrangler.toml"), "--no-bundle", "--local",
    "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()),
    "--persist-to", state, "--env-file", envFile,
    "--test-scheduled", "--show-interactive-dev-session=false", "--log-level", "info",
  ];
  const proc = start(WRANGLER[0], args, WRANGLER_ENV);
  // Any answer at all: without secrets every route is a 503.
  await waitFor(async () => (await fetch(`${url}/healthz`)).status > 0, "the bundle on workerd", proc, 90_000);
  return proc;
}

/** The D1 databases miniflare keeps in the persistence folder (not its own metadata). */
function d1Files(): string[] {
  const root = join(state, "v3", "d1");
  if (!existsSync(root)) return [];
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  return walk(root).filter((f) => f.endsWith(".sqlite") && !f.endsWith("/metadata.sqlite"));
}

beforeAll(async () => {
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const build = start(WRANGLER[0], [WRANGLER[1], "deploy", "--dry-run", "--outdir", join(dir, "out")], WRANGLER_ENV);
  await new Promise<void>((r) => build.child.once("exit", () => r()));
  expect(build.child.exitCode, build.output()).toBe(0);
  expect(build.output()).toContain("--dry-run: exiting now.");
  expect(statSync(bundle).size).toBeGreaterThan(0);
  worker = await serveBundle({});
}, 180_000);

afterAll(async () => {
  await worker?.stop();
});

test("without secrets, a browser gets the setup page on every route, naming both secrets and how to set them", async () => {
  for (const path of ["/", "/console", "/console/overview", "/mcp", "/admin/identity"]) {
    const res = await fetch(`${url}${path}`, { headers: BROWSER });
    expect(res.status, path).toBe(503);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain("ADMIN_TOKEN is not set.");
    expect(html).toContain("NODE_SEED is not set.");
    expect(html).toContain("npx wrangler secret put ADMIN_TOKEN\nnpx wrangler secret put NODE_SEED");
  }
  const ar = await (await fetch(`${url}/`, { headers: { ...BROWSER, "accept-language": "ar" } })).text();
  expect(ar).toContain('<html lang="ar" dir="rtl">');
});

test("without secrets, MCP and admin clients get setup_required, and nothing runs", async () => {
  const mcp = await fetch(`${url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } }),
  });
  const admin = await fetch(`${url}/admin/identity`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const card = await fetch(`${url}/.well-known/mcpfed`);
  for (const res of [mcp, admin, card]) {
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("setup_required");
  }
  // The cron trigger does nothing either, and fails nothing (miniflare's own scheduled trigger:
  // wrangler's /__scheduled is middleware added when it bundles, and this bundle is served as is).
  expect((await fetch(`${url}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`)).status).toBe(200);
  // The fresh D1 was not opened: no schema was written to it.
  expect(d1Files()).toEqual([]);
});

describe("restarted with the secrets", () => {
  beforeAll(async () => {
    await worker?.stop();
    worker = await serveBundle({ ADMIN_TOKEN: TOKEN, NODE_SEED: newSeed() });
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, "the node on workerd", worker, 60_000);
  });

  test("the same bundle and D1 serve the landing page with its next steps, and the node", async () => {
    const landing = await fetch(`${url}/`, { headers: BROWSER });
    expect(landing.status).toBe(200);
    const html = await landing.text();
    expect(html).toContain(`${url}/mcp`);
    expect(html).toContain("Set the secrets ADMIN_TOKEN and NODE_SEED: done.");
    expect(html).toContain('<a href="/console">Open the console</a>');
    expect(html).toContain("Connect Claude with the MCP URL above.");
    expect(html).not.toContain(TOKEN);
    expect((await fetch(`${url}/admin/identity`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    // On the edge /mcp wants a token.
    expect((await fetch(`${url}/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    expect(d1Files().length).toBeGreaterThan(0);
  });
});
