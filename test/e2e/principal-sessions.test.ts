// The upstream pool keeps principals' own sessions apart and bounded, against a real upstream.
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Outbound } from "../../src/node/outbound/outbound.ts";
import { UpstreamPool } from "../../src/node/upstreams/pool.ts";
import { startEverything, type Upstream } from "../support/processes.ts";

let everything: Upstream;
let pool: UpstreamPool;

beforeAll(async () => {
  everything = await startEverything();
  pool = new UpstreamPool({ clientInfo: { name: "test", version: "0" }, outbound: new Outbound({ allowPrivate: true }), connectTimeoutMs: 10_000, maxPrincipalSessions: 2 });
});

afterAll(async () => {
  await pool?.closeAll();
  await everything?.stop();
});

it("gives each principal a session of its own, and closes the least recently used beyond the bound", async () => {
  const target = { name: "everything", kind: "http" as const, url: everything.url, headers: {} };
  const sessionOf = (principal?: string) => pool.use(target, async (c: Client) => c, { principal });
  const shared = await sessionOf();
  const a = await sessionOf("token:a");
  const b = await sessionOf("token:b");
  expect(new Set([shared, a, b]).size).toBe(3);
  expect(await sessionOf("token:a")).toBe(a); // a is now the most recently used
  const closed = new Promise<void>((r) => (b.onclose = r));
  const c = await sessionOf("token:c"); // a third principal: b, the coldest, goes
  await closed;
  expect(await sessionOf("token:a")).toBe(a);
  expect(await sessionOf("token:c")).toBe(c);
  expect(await sessionOf("token:b")).not.toBe(b);
  // The shared session does not count against the bound, and survives it.
  expect(await sessionOf()).toBe(shared);
  // Closing one principal's session leaves the others.
  await pool.close("everything", "token:c");
  expect(await sessionOf("token:c")).not.toBe(c);
  expect(await sessionOf()).toBe(shared);
});
