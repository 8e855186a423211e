// Upstream credentials against a real node process: an upstream that echoes them in its errors
// (finding 3), and the data folder and database files that hold them (finding 4, secrets sealed
// at rest). The upstream is the SDK's own server, run as a process on loopback.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { createClient } from "@libsql/client";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { connect } from "../support/mcp.ts";
import { eventually, everythingStdio, freePort, ROOT, start, startNode, waitFor, type NodeProc, type Proc } from "../support/processes.ts";

const API_KEY = "k-9f2c41d7e3b8a6";
const TOKEN = "tok-51aa7c9e02d4f6b3";
const REFUSED_TOKEN = "tok-refused-7e1d0c93b5";
const ENV_SECRET = "env-secret-3c8e5f1a94";

let upstream: Proc & { url: string };

beforeAll(async () => {
  const port = await freePort();
  const proc = start(process.execPath, ["--import", "tsx", join(ROOT, "test/support/echo-upstream.ts")], { PORT: String(port) });
  upstream = { ...proc, url: `http://127.0.0.1:${port}` };
  await waitFor(async () => (await fetch(`${upstream.url}/mcp`)).status === 405, "echo upstream", proc);
});

afterAll(async () => {
  await upstream?.stop();
});

const echoUpstream = (name: string, key = API_KEY) => ({
  name,
  kind: "http",
  url: `${upstream.url}/mcp`,
  headers: { "X-Api-Key": key },
  bearerToken: TOKEN,
});

/** The printable strings of a file, as `strings` shows them (empty for a file that is not there). */
function strings(file: string): string {
  return existsSync(file) ? execFileSync("strings", ["-n", "4", file], { encoding: "utf8", maxBuffer: 64 << 20 }) : "";
}

const databaseFiles = (dataDir: string) => ["node.db", "node.db-wal", "node.db-shm"].map((f) => join(dataDir, f));
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("an upstream that echoes its credentials", () => {
  let node: NodeProc;
  let client: Client;

  beforeAll(async () => {
    node = await startNode();
    const res = await node.admin("POST", "/upstreams", echoUpstream("echo"));
    expect(res.status, await res.clone().text()).toBe(201);
    client = await connect(node.mcpUrl);
  });

  afterAll(async () => {
    await client?.close();
    await node?.stop();
  });

  it("reaches a caller's -32010 error with the header value and token masked", async () => {
    const err = await client.callTool({ name: "echo_leak", arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(-32010);
    const message = (err as McpError).message;
    // The upstream's text arrived, with both values masked.
    expect(message).toContain("internal error for key [redacted] and token [redacted]");
    expect(message).not.toContain(API_KEY);
    expect(message).not.toContain(TOKEN);
  });

  it("masks them in a tool's error result", async () => {
    const r = await client.callTool({ name: "echo_whoami", arguments: {} });
    expect(r.isError).toBe(true);
    const text = JSON.stringify(r.content);
    expect(text).toContain("unknown caller: key [redacted] and token [redacted]");
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(TOKEN);
  });

  it("keeps them out of the invocation log, the audit trail and the node's log", async () => {
    const invocations = await eventually(async () => {
      const text = await (await node.admin("GET", "/invocations")).text();
      expect(text).toContain("echo_leak");
      return text;
    });
    expect(invocations).toContain("[redacted]");
    const audit = await (await node.admin("GET", "/audit")).text();
    expect(audit).toContain("echo_leak");
    const logged = node.output();
    for (const text of [invocations, audit, logged]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(TOKEN);
    }
  });

  it("keeps a refused bearer token out of the admin refresh answers and the upstream's last error", async () => {
    const added = await node.admin("POST", "/upstreams", { name: "refusing", kind: "http", url: `${upstream.url}/reject`, bearerToken: REFUSED_TOKEN });
    expect(added.status).toBe(201);
    const addedText = await added.text();
    expect(JSON.parse(addedText).refresh).toMatchObject({ ok: false, error: expect.stringContaining("refused key  and token [redacted]") });
    const refreshed = await (await node.admin("POST", "/upstreams/refusing/refresh")).text();
    expect(JSON.parse(refreshed).refresh).toMatchObject({ ok: false, error: expect.stringContaining("token [redacted]") });
    const shown = await (await node.admin("GET", "/upstreams/refusing")).text();
    expect(JSON.parse(shown).upstream).toMatchObject({ status: "unavailable", lastError: expect.stringContaining("token [redacted]") });
    for (const text of [addedText, refreshed, shown, node.output()]) expect(text).not.toContain(REFUSED_TOKEN);
  });

  it("masks a stdio upstream's env value in what the child prints to the node's output", async () => {
    const script = "console.error('starting with ' + process.env.API_KEY); setTimeout(() => {}, 300)";
    const res = await node.admin("POST", "/upstreams", { name: "chatty", kind: "stdio", command: process.execPath, args: ["-e", script], env: { API_KEY: ENV_SECRET } });
    expect(res.status).toBe(201);
    await eventually(async () => expect(node.output()).toContain("starting with [redacted]"));
    expect(node.output()).not.toContain(ENV_SECRET);
  });
});

describe("secrets at rest", () => {
  it("seals headers, bearer tokens and stdio env values, in a folder and files only the node's user can read", async () => {
    const node = await startNode();
    try {
      expect((await node.admin("POST", "/upstreams", echoUpstream("echo"))).status).toBe(201);
      const stdio = await node.admin("POST", "/upstreams", { name: "local", kind: "stdio", ...everythingStdio, env: { API_KEY: ENV_SECRET } });
      expect(stdio.status).toBe(201);
      // The sealed values still open: the upstream received the key and token (and echoed them).
      const client = await connect(node.mcpUrl);
      const r = await client.callTool({ name: "echo_whoami", arguments: {} });
      await client.close();
      expect(JSON.stringify(r.content)).toContain("key [redacted] and token [redacted]");

      expect(modeOf(node.dataDir)).toBe(0o700);
      for (const file of [...databaseFiles(node.dataDir), join(node.dataDir, "node-seed")]) {
        if (existsSync(file)) expect(modeOf(file), file).toBe(0o600);
      }
      const running = databaseFiles(node.dataDir).map(strings).join("\n");
      expect(running).toContain("sealed:v1:");
      for (const secret of [API_KEY, TOKEN, ENV_SECRET]) expect(running).not.toContain(secret);
    } finally {
      await node.stop();
    }
    const stopped = databaseFiles(node.dataDir).map(strings).join("\n");
    for (const secret of [API_KEY, TOKEN, ENV_SECRET]) expect(stopped).not.toContain(secret);
  });

  it("seals a plaintext row of an older version at start, tightens loose modes, and re-seals on rotation", async () => {
    const [s0, s1] = [newSeed(), newSeed()];
    const first = await startNode({ env: { NODE_SEED: s0 } });
    const { dataDir } = first;
    expect((await first.admin("POST", "/upstreams", echoUpstream("echo"))).status).toBe(201);
    await first.stop();

    // What an older version left behind: the header in plaintext, everything readable by others.
    const oldKey = "k-plaintext-0d6b2e8f71";
    const file = join(dataDir, "node.db");
    const db = createClient({ url: `file:${file}` });
    await db.execute({ sql: "UPDATE upstreams SET headers = ? WHERE name = 'echo'", args: [JSON.stringify({ "X-Api-Key": oldKey, Authorization: `Bearer ${TOKEN}` })] });
    db.close();
    chmodSync(dataDir, 0o755);
    for (const f of databaseFiles(dataDir)) if (existsSync(f)) chmodSync(f, 0o644);

    const storedHeaders = async () => {
      const reader = createClient({ url: `file:${file}` });
      try {
        return JSON.parse(String((await reader.execute("SELECT headers FROM upstreams WHERE name = 'echo'")).rows[0]!.headers)) as Record<string, string>;
      } finally {
        reader.close();
      }
    };
    const callWhoami = async (node: NodeProc) => {
      const client = await connect(node.mcpUrl);
      try {
        return JSON.stringify((await client.callTool({ name: "echo_whoami", arguments: {} })).content);
      } finally {
        await client.close();
      }
    };

    const second = await startNode({ dataDir, env: { NODE_SEED: s0 } });
    let sealedUnderS0: string;
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      for (const f of [...databaseFiles(dataDir), join(dataDir, "node-seed")]) if (existsSync(f)) expect(modeOf(f), f).toBe(0o600);
      const headers = await storedHeaders();
      expect(headers["X-Api-Key"]).toMatch(/^sealed:v1:/);
      expect(headers.Authorization).toMatch(/^sealed:v1:/);
      sealedUnderS0 = headers["X-Api-Key"]!;
      const answer = await callWhoami(second);
      expect(answer).toContain("key [redacted] and token [redacted]");
      expect(answer).not.toContain(oldKey);
    } finally {
      await second.stop();
    }
    const migrated = databaseFiles(dataDir).map(strings).join("\n");
    expect(migrated).not.toContain(oldKey);
    expect(migrated).not.toContain(TOKEN);

    // Rotation: the new seed re-seals at start, so the previous one can go afterwards.
    const rotated = await startNode({ dataDir, env: { NODE_SEED: s1, PREVIOUS_NODE_SEED: s0 } });
    try {
      const headers = await storedHeaders();
      expect(headers["X-Api-Key"]).toMatch(/^sealed:v1:/);
      expect(headers["X-Api-Key"]!.split(":")[2]).not.toBe(sealedUnderS0.split(":")[2]);
    } finally {
      await rotated.stop();
    }
    const after = await startNode({ dataDir, env: { NODE_SEED: s1 } });
    try {
      expect(await callWhoami(after)).toContain("key [redacted] and token [redacted]");
    } finally {
      await after.stop();
    }
  });
});
