// Processes under control (issue 18): the upstream pool with real server-everything processes over
// stdio, counted as this process's children. One process per stdio upstream, reused; over the cap
// the least recently used idle one stops; with every one busy a new one is refused
// (too_many_processes); an idle one stops after the idle time and starts again on next use.
import { execFileSync } from "node:child_process";
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, describe, expect, it } from "vitest";
import { Outbound } from "../../src/node/outbound/outbound.ts";
import { TooManyProcessesError, UpstreamPool } from "../../src/node/upstreams/pool.ts";
import { stdioConnector } from "../../src/runtimes/stdio.ts";
import { eventually, everythingStdio } from "../support/processes.ts";

const pools: UpstreamPool[] = [];
afterAll(async () => Promise.all(pools.map((p) => p.closeAll())));

function pool(max: number, idleMs: number): UpstreamPool {
  const p = new UpstreamPool({
    clientInfo: { name: "mcpfed-test", version: "0" },
    outbound: new Outbound({ allowPrivate: true }),
    connectTimeoutMs: 60_000,
    stdio: stdioConnector,
    maxPrincipalSessions: 4,
    processes: { max, idleMs },
  });
  pools.push(p);
  return p;
}

const target = (name: string) => ({ name, kind: "stdio" as const, ...everythingStdio, env: {} });
const echo = (c: Client) => c.callTool({ name: "echo", arguments: { message: "hi" } });

/** server-everything processes that are this test process's children. */
function children(): number {
  const out = execFileSync("ps", ["-o", "args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes("mcp-server-everything")).length;
}

describe("stdio upstream processes", () => {
  it("reuses one process per upstream, and stops the least recently used idle one over the cap", async () => {
    const p = pool(2, 600_000);
    await p.use(target("a"), echo);
    await p.use(target("a"), echo);
    expect(children()).toBe(1);
    await p.use(target("b"), echo);
    expect(children()).toBe(2);
    await p.use(target("a"), echo); // b is now the least recently used
    await p.use(target("c"), echo);
    expect(p.runningProcesses).toBe(2);
    await eventually(async () => expect(children()).toBe(2), 10_000);
    // a was kept: using it again starts nothing new.
    await p.use(target("a"), echo);
    expect(children()).toBe(2);
    await p.closeAll();
    await eventually(async () => expect(children()).toBe(0), 10_000);
  }, 120_000);

  it("refuses a new process when every running one is busy", async () => {
    const p = pool(1, 600_000);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const busy = p.use(target("a"), async (c) => {
      await echo(c);
      await held;
    });
    await eventually(async () => expect(p.runningProcesses).toBe(1));
    await expect(p.use(target("b"), echo)).rejects.toThrow(TooManyProcessesError);
    await expect(p.use(target("b"), echo)).rejects.toMatchObject({ code: "too_many_processes" });
    release();
    await busy;
    // Idle now: it makes room.
    await p.use(target("b"), echo);
    expect(p.runningProcesses).toBe(1);
    await p.closeAll();
  }, 120_000);

  it("stops an idle process after the idle time, and starts it again on next use", async () => {
    const p = pool(4, 1000);
    await p.use(target("a"), echo);
    expect(children()).toBe(1);
    await eventually(async () => expect(children()).toBe(0), 20_000);
    expect(p.runningProcesses).toBe(0);
    expect(await p.use(target("a"), echo)).toMatchObject({ content: [{ type: "text" }] });
    expect(children()).toBe(1);
    await p.closeAll();
  }, 120_000);
});
