// The DNS proof of a domain (protocol §7.1.2) against a real DNS server (dnsmasq on loopback),
// through each runtime's own resolver: Node's (c-ares) in this process, Deno's in a Deno process.
// Verified, the record naming another node, no record, and a server that never answers. The
// well-known fallback's fetch is the one double (trust-domains.test.ts covers that method).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dnsProofRecord } from "../../src/protocol/card/dns-proof.ts";
import { Outbound } from "../../src/node/outbound/outbound.ts";
import { checkDnsProof, checkDomain } from "../../src/node/peers/domains.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { nodeTxtResolver } from "../../src/runtimes/node-dns.ts";
import { startDnsmasq, startSilentDns, type DnsServerProc } from "../support/dnsmasq.ts";
import { start, TOOLS } from "../support/processes.ts";
import { stranger, type Stranger } from "../support/stranger.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

let dns: DnsServerProc;
let silent: { port: number; close: () => Promise<void> };
let db: TestDatabase;
let a: Stranger;
let b: Stranger;

beforeAll(async () => {
  db = await openTestDatabase();
  [a, b] = await Promise.all([stranger({ url: "https://a.test" }), stranger({ url: "https://b.test:8443" })]);
  const record = dnsProofRecord(a.id);
  dns = await startDnsmasq({
    // A's proof beside an unrelated record at the same name.
    "_mcpfed.a.test": [["some-other-verification=1"], [record]],
    // B's host names A: a proof of another node.
    "_mcpfed.b.test": [[record]],
    // One record split in two character-strings, which are joined.
    "_mcpfed.split.test": [[record.slice(0, 20), record.slice(20)]],
    "_mcpfed.bad.test": [["v=mcpfed1; id=not-a-node-id"]],
  });
  silent = await startSilentDns();
});
afterAll(async () => {
  await dns?.stop();
  await silent?.close();
  db?.close();
  await Promise.all([a?.close(), b?.close()]);
});

/** The port checkDomain takes: Node's resolver asking `servers`, and a fetch that records what the well-known fallback asked. */
function port(servers: { address: string; port: number }[]) {
  const asked: string[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    asked.push(String(input));
    return new Response("not found", { status: 404 });
  }) as typeof globalThis.fetch;
  const p = {
    db: db.db,
    outbound: new Outbound({ allowPrivate: false, fetch }),
    resolveTxt: nodeTxtResolver(servers),
    identity: async () => ({ primitives: await primitives() }),
    now: () => Math.floor(Date.now() / 1000),
    config: { clockSkewSeconds: 60 },
  };
  return { port: p, asked };
}

describe("the DNS proof through Node's resolver", () => {
  it("verifies a node whose id a TXT record at _mcpfed.<host> names, without fetching the well-known card", async () => {
    const { port: p, asked } = port([{ address: "127.0.0.1", port: dns.port }]);
    expect(await checkDomain(p, a.card)).toEqual({ host: "a.test", verified: true });
    expect(asked).toEqual([]);
  });

  it("refuses a record naming another node, then tries the well-known card, and says why both failed", async () => {
    const { port: p, asked } = port([{ address: "127.0.0.1", port: dns.port }]);
    const verdict = await checkDomain(p, b.card);
    expect(verdict).toMatchObject({ host: "b.test:8443", verified: false });
    expect(verdict.reason).toBe(`DNS: _mcpfed.b.test: the record names another node (${a.id}); well-known: cannot fetch https://b.test:8443/.well-known/mcpfed: HTTP 404`);
    expect(asked).toEqual(["https://b.test:8443/.well-known/mcpfed"]);
  });

  it("reads a record split in character-strings, and tells a missing or malformed record apart", async () => {
    const resolve = nodeTxtResolver([{ address: "127.0.0.1", port: dns.port }]);
    expect(await checkDnsProof(resolve, "split.test", a.id)).toEqual({ proven: true });
    expect(await checkDnsProof(resolve, "missing.test", a.id)).toEqual({ proven: false, reason: "_mcpfed.missing.test: no mcpfed record" });
    expect(await checkDnsProof(resolve, "bad.test", a.id)).toEqual({ proven: false, reason: "_mcpfed.bad.test: the record is malformed: the id is not a node id (32 base32 characters)" });
    expect(await checkDnsProof(resolve, "127.0.0.1", a.id)).toEqual({ proven: false, reason: "the host is not a DNS name" });
  });

  it("fails a lookup the server never answers at the deadline, as a reason", async () => {
    const resolve = nodeTxtResolver([{ address: "127.0.0.1", port: silent.port }]);
    const verdict = await checkDnsProof(resolve, "a.test", a.id, 300);
    expect(verdict.proven).toBe(false);
    expect(verdict.reason).toMatch(/^the lookup of _mcpfed\.a\.test failed: .*ETIMEOUT/);
  });

  it("asks the servers DNS_SERVERS names, and refuses a list that is not addresses", () => {
    const base = { ADMIN_TOKEN: "x".repeat(16), NODE_SEED: "A".repeat(43) };
    expect(loadConfig({ ...base, DNS_SERVERS: `127.0.0.1:${dns.port}, [::1]:53, 1.1.1.1` }).dnsServers).toEqual([
      { address: "127.0.0.1", port: dns.port },
      { address: "::1", port: 53 },
      { address: "1.1.1.1", port: 53 },
    ]);
    expect(loadConfig(base).dnsServers).toEqual([]);
    expect(() => loadConfig({ ...base, DNS_SERVERS: "dns.example.com" })).toThrow(/DNS_SERVERS/);
    expect(() => loadConfig({ ...base, DNS_SERVERS: "127.0.0.1:70000" })).toThrow(/DNS_SERVERS/);
  });
});

describe("the DNS proof through Deno's resolver", () => {
  it("finds the same records, none where there are none, and fails at the deadline", async () => {
    const script = `
      import { denoTxtResolver } from "./src/runtimes/deno-dns.ts";
      const at = (port) => denoTxtResolver([{ address: "127.0.0.1", port }]);
      const out = {};
      out.a = await at(${dns.port})("_mcpfed.a.test", 5000);
      out.missing = await at(${dns.port})("_mcpfed.missing.test", 5000);
      out.timeout = await at(${silent.port})("_mcpfed.a.test", 300).then(() => "answered", (e) => e.name);
      console.log(JSON.stringify(out));`;
    const proc = start(`${TOOLS}/deno`, ["eval", "--ext=ts", script]);
    await new Promise((r) => proc.child.once("exit", r));
    expect(proc.child.exitCode, proc.output()).toBe(0);
    const out = JSON.parse(proc.output().trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(out.a).toEqual(expect.arrayContaining([["some-other-verification=1"], [dnsProofRecord(a.id)]]));
    expect(out.missing).toEqual([]);
    expect(out.timeout).toBe("TimeoutError");
  });
});
