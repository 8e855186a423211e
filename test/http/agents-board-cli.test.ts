// `mcpfed agents`, `mcpfed intents` and `mcpfed board` as an operator runs them: the CLI in its own
// process against one in-process node served on loopback. Agents are registered, listed, found by
// capability and deregistered; an intent is published, listed, shown without offers and withdrawn,
// and accepting an offer the node does not hold is refused with its code; a namespace is created
// and a register and a counter are written and read back; a principal is charged to a budget and
// cleared; purchases send the principal they are bought for; bad input is a usage error or the
// API's typed refusal, and changes nothing.
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { startLocal } from "../../src/runtimes/local.ts";
import { cli } from "../support/cli.ts";
import { freePort, removeTempDirs, tempDir } from "../support/processes.ts";

const TOKEN = "agents-cli-admin-token-0123";
let app: NodeApp;
let server: ServerType;
let env: Record<string, string>;

beforeAll(async () => {
  const port = await freePort();
  const local = await startLocal({ DATA_DIR: tempDir("mcpfed-agents-cli-"), ADMIN_TOKEN: TOKEN, NODE_SEED: newSeed(), TICK_SECONDS: "3600", PUBLIC_URL: `http://127.0.0.1:${port}` });
  app = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
  server = serve({ fetch: app.app.fetch, port, hostname: "127.0.0.1" });
  env = { MCPFED_URL: `http://127.0.0.1:${port}`, ADMIN_TOKEN: TOKEN };
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  removeTempDirs();
});

async function ok(args: string[]): Promise<string> {
  const r = await cli(args, env);
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout;
}
async function okJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok([...args, "--json"])) as T;
}

describe("mcpfed agents", () => {
  it("registers, lists, discovers and deregisters agents; refuses bad input and changes nothing", async () => {
    const registered = await ok(["agents", "register", "translator", "translate,lang:de", "--ttl", "600", "--trust", "80", "--descriptors", '[{"name":"translate","version":"1"}]']);
    expect(registered).toMatch(/^registered translator \([0-9a-f]{64}\) until /);
    await ok(["agents", "register", "summarizer", "summarize"]);
    const { agents } = await okJson<{ agents: { name: string; principal: string; trust: number; live: boolean }[] }>(["agents", "list"]);
    expect(agents.map((a) => [a.name, a.principal, a.trust, a.live])).toEqual([
      ["summarizer", "operator", 50, true],
      ["translator", "operator", 80, true],
    ]);
    const found = await okJson<{ agents: { name: string; matched: number }[] }>(["agents", "discover", "translate,lang:de", "--all"]);
    expect(found.agents.map((a) => [a.name, a.matched])).toEqual([["translator", 2]]);
    expect(await ok(["agents", "discover", "translate,summarize"])).toMatch(/translator[\s\S]*summarizer|summarizer[\s\S]*translator/);

    // Bad input: a tag in capitals (the API's typed refusal), a trust past 100 (a usage error).
    const capitals = await cli(["agents", "register", "shouty", "Translate"], env);
    expect(capitals.code).not.toBe(0);
    expect(capitals.stderr).toContain("invalid_request");
    const trust = await cli(["agents", "register", "trusting", "x", "--trust", "101"], env);
    expect(trust.code).not.toBe(0);
    expect(trust.stderr).toContain("--trust");
    expect((await okJson<{ agents: unknown[] }>(["agents", "list"])).agents).toHaveLength(2);

    expect(await ok(["agents", "deregister", "summarizer"])).toMatch(/^deregistered summarizer/);
    const after = await okJson<{ agents: { name: string; live: boolean }[] }>(["agents", "list"]);
    expect(after.agents.map((a) => [a.name, a.live])).toEqual([
      ["summarizer", false],
      ["translator", true],
    ]);
    expect((await okJson<{ agents: unknown[] }>(["agents", "discover", "summarize"])).agents).toEqual([]);
    const unknown = await cli(["agents", "deregister", "nobody"], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("not_found");
  }, 120_000);
});

describe("mcpfed intents", () => {
  it("publishes, lists, shows offers of and withdraws an intent; an offer not held is refused", async () => {
    const published = await okJson<{ id: string; key: string }>(["intents", "publish", "translate 40 pages EN to DE", "translate,lang:de", "--budget", "200:credit", "--expires", "600"]);
    expect(published.key).toMatch(/^intent\/[0-9a-f]{32}$/);
    const listed = await okJson<{ intents: { key: string; principal: string; need: string; state: string; budget: unknown }[] }>(["intents", "list"]);
    expect(listed.intents).toEqual([expect.objectContaining({ key: published.key, principal: "operator", need: "translate 40 pages EN to DE", state: "open", budget: { amount: 200, unit: "credit" } })]);
    expect(await ok(["intents", "offers", published.key])).toContain("no offers yet");
    const refused = await cli(["intents", "accept", published.id, "0".repeat(64)], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("unknown_offer");
    const badBudget = await cli(["intents", "publish", "x", "y", "--budget", "lots"], env);
    expect(badBudget.code).not.toBe(0);
    expect(badBudget.stderr).toContain("--budget");
    expect(await ok(["intents", "withdraw", published.key])).toBe(`withdrew ${published.key}\n`);
    expect((await okJson<{ intents: { state: string }[] }>(["intents", "list"])).intents.map((i) => i.state)).toEqual(["withdrawn"]);
  }, 120_000);
});

describe("mcpfed board", () => {
  it("creates a namespace and writes and reads a register and a counter; refuses what does not apply", async () => {
    const created = await okJson<{ descriptor: { namespace: string } }>(["board", "create", "plans"]);
    const ns = created.descriptor.namespace;
    expect(await ok(["board", "list"])).toContain(ns);
    expect(await ok(["board", "put", ns, "title", '{"text":"Quarterly plan"}'])).toBe(`${ns} title (eventual): {"type":"register","value":{"text":"Quarterly plan"}}\n`);
    expect((await okJson<{ value: unknown; stateHash: string }>(["board", "get", ns, "title"])).value).toEqual({ type: "register", value: { text: "Quarterly plan" } });
    await ok(["board", "put", ns, "votes", "7", "--add"]);
    await ok(["board", "put", ns, "votes", "--add", "--", "-2"]);
    expect((await okJson<{ value: unknown }>(["board", "get", ns, "votes"])).value).toEqual({ type: "counter", value: 5 });
    // A counter add on a register, and compare-and-set on an eventual namespace: typed refusals.
    const mismatch = await cli(["board", "put", ns, "title", "1", "--add"], env);
    expect(mismatch.code).not.toBe(0);
    expect(mismatch.stderr).toContain("type_mismatch");
    const cas = await cli(["board", "put", ns, "title", '"x"', "--expected", "null"], env);
    expect(cas.stderr).toContain("malformed");
    const strong = await cli(["board", "get", ns, "title", "--consistency", "strong"], env);
    expect(strong.stderr).toContain("unsupported_consistency");
    expect((await okJson<{ value: unknown }>(["board", "get", ns, "title"])).value).toEqual({ type: "register", value: { text: "Quarterly plan" } });
    expect(await ok(["board", "delete", ns, "title"])).toBe(`${ns} title (eventual): {"type":"register","value":null}\n`);
    const unknown = await cli(["board", "get", `${ns}x`, "k"], env);
    expect(unknown.stderr).toContain("unknown_namespace");
  }, 120_000);
});

describe("--principal on purchases", () => {
  it("sends the principal a purchase is bought for: a valid one reaches the purchase, a malformed one is the API's typed refusal", async () => {
    const { id } = await okJson<{ id: string }>(["intents", "publish", "summarize a paper", "summarize", "--budget", "10:credit", "--expires", "600"]);
    const offer = "0".repeat(64);
    const valid = await cli(["intents", "accept", id, offer, "--principal", "token:abc"], env);
    expect(valid.code).not.toBe(0);
    expect(valid.stderr).toContain("unknown_offer");
    // The same commands with a principal id the API refuses: had the flag been dropped, they would fail as before.
    for (const args of [
      ["intents", "accept", id, offer],
      ["subscribe", "no-such-tool"],
      ["package", "install", "no-such-package"],
    ]) {
      const without = await cli(args, env);
      expect(without.code, args.join(" ")).not.toBe(0);
      expect(without.stderr, args.join(" ")).not.toContain("invalid_request");
      const malformed = await cli([...args, "--principal", "token abc"], env);
      expect(malformed.code, args.join(" ")).not.toBe(0);
      expect(malformed.stderr, args.join(" ")).toContain("invalid_request");
    }
  }, 120_000);
});

describe("mcpfed budget charge", () => {
  it("charges a principal's relayed calls to a budget, lists it, replaces and clears it; refuses bad input", async () => {
    await ok(["budget", "create", "credit:cli-charges", "50"]);
    expect(await ok(["budget", "charge", "token:abc", "credit:cli-charges"])).toMatch(/^token:abc's relayed calls are paid from credit:cli-charges of /);
    await ok(["budget", "charge", "token:abc", "calls:cli-charges"]);
    const { charges } = await okJson<{ charges: { principal: string; budget: { unit: string; task: string } }[] }>(["budget", "charges"]);
    expect(charges).toEqual([expect.objectContaining({ principal: "token:abc", budget: expect.objectContaining({ unit: "calls", task: "cli-charges" }) })]);
    // A principal id with a space is the API's typed refusal; clearing twice is not_found the second time.
    const bad = await cli(["budget", "charge", "token abc", "credit:cli-charges"], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("invalid_request");
    await ok(["budget", "uncharge", "token:abc"]);
    const again = await cli(["budget", "uncharge", "token:abc"], env);
    expect(again.stderr).toContain("not_found");
    expect(await ok(["budget", "charges"])).toBe("no principal is charged to a budget\n");
  }, 120_000);
});
