// The setup app of an edge deployment without its secrets (src/http/setup/), and the check that
// chooses it (src/node/settings/setup-check.ts). The same app served by the real Workers bundle
// in workerd: test/runtimes/workerd-setup.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REQUIRED_SECRETS } from "../../src/node/settings/config.ts";
import { setupApp } from "../../src/http/setup/routes.tsx";
import { unsetSecrets } from "../../src/node/settings/setup-check.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { ROOT } from "../support/processes.ts";

const URL_ = "https://mcpfed.example.workers.dev";
const BROWSER = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

describe("unsetSecrets", () => {
  it("names each required secret that is unset, empty or malformed, and nothing when both are good", () => {
    expect(unsetSecrets({})).toEqual([
      { name: "ADMIN_TOKEN", problem: "missing" },
      { name: "NODE_SEED", problem: "missing" },
    ]);
    expect(unsetSecrets({ ADMIN_TOKEN: "  ", NODE_SEED: newSeed() })).toEqual([{ name: "ADMIN_TOKEN", problem: "missing" }]);
    expect(unsetSecrets({ ADMIN_TOKEN: "short", NODE_SEED: "not a seed" })).toEqual([
      { name: "ADMIN_TOKEN", problem: "invalid" },
      { name: "NODE_SEED", problem: "invalid" },
    ]);
    expect(unsetSecrets({ ADMIN_TOKEN: "a".repeat(16), NODE_SEED: newSeed() })).toEqual([]);
  });
});

describe("setupApp", () => {
  const onlySeed = setupApp([{ name: "NODE_SEED", problem: "missing" }], "workers");

  it("answers every route a browser opens with the setup page, 503, naming the missing secret and how to set it", async () => {
    for (const path of ["/", "/console", "/console/overview", "/mcp", "/anything"]) {
      const res = await onlySeed.request(`${URL_}${path}`, { headers: BROWSER });
      expect(res.status).toBe(503);
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).toContain("NODE_SEED is not set.");
      expect(html).toContain("npx wrangler secret put NODE_SEED");
      expect(html).toContain("openssl rand -base64 32");
      // The secret that is set is neither asked for nor mentioned.
      expect(html).not.toContain("ADMIN_TOKEN");
      expect(html).not.toContain("<script");
    }
  });

  it("gives API and MCP clients the typed error setup_required, 503, for any method", async () => {
    const cases: [string, RequestInit][] = [
      ["/mcp", { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) }],
      ["/admin/upstreams", { headers: { authorization: "Bearer whatever-it-is-0123" } }],
      ["/.well-known/mcpfed", {}],
      ["/federation/v1/hello", { method: "POST", body: "{}" }],
      ["/", { headers: { accept: "application/json" } }],
    ];
    for (const [path, init] of cases) {
      const res = await onlySeed.request(`${URL_}${path}`, init);
      expect(res.status, path).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string; secrets: unknown } };
      expect(body.error.code).toBe("setup_required");
      expect(body.error.message).toContain("NODE_SEED");
      expect(body.error.secrets).toEqual([{ name: "NODE_SEED", problem: "missing" }]);
    }
  });

  it("says a malformed secret is invalid without repeating anything of its value, and tells Deno Deploy its own way", async () => {
    const app = setupApp([{ name: "ADMIN_TOKEN", problem: "invalid" }], "deno-deploy");
    const html = await (await app.request(`${URL_}/`, { headers: BROWSER })).text();
    expect(html).toContain("ADMIN_TOKEN is set, but its value is not valid.");
    expect(html).toContain("Environment Variables");
    expect(html).not.toContain("wrangler");
  });

  it("speaks Arabic, right to left, and serves its stylesheet and the language switch", async () => {
    const both = setupApp(unsetSecrets({}), "workers");
    const html = await (await both.request(`${URL_}/`, { headers: { ...BROWSER, "accept-language": "ar" } })).text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain("NODE_SEED غير مضبوط.");
    expect(html).toContain("ADMIN_TOKEN غير مضبوط.");
    const css = await both.request(`${URL_}/console/assets/console.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
    const lang = await both.request(`${URL_}/console/lang?to=ar&back=/`);
    expect(lang.status).toBe(303);
    expect(lang.headers.get("set-cookie")).toContain("mcpfed_lang=ar");
  });
});

describe("what the Deploy to Cloudflare button reads", () => {
  it("asks for exactly the required secrets (the uncommented lines of .dev.vars.example), each described in package.json", () => {
    const lines = readFileSync(join(ROOT, ".dev.vars.example"), "utf8").split("\n").filter((line) => /^[A-Z_]+=/.test(line));
    const asked = lines.map((line) => line.slice(0, line.indexOf("=")));
    expect(asked).toEqual(Object.keys(REQUIRED_SECRETS));
    // No value in the example: the button would offer it as everyone's default.
    expect(lines).toEqual(asked.map((name) => `${name}=`));
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { cloudflare: { bindings: Record<string, { description: string }> } };
    expect(Object.keys(pkg.cloudflare.bindings)).toEqual(asked);
  });
});
