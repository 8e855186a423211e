// Priced packages and mirrors across three real nodes (protocol §18.5, §18.6). A publishes the
// sandbox-probe as a gzipped tar it serves itself, once priced (per update) and once free. B
// installs the priced one: A and B then hold the same two-party record, signed by both, naming
// `package/probe@1.0.0+build.1` (SemVer build metadata in the licence's key); a call to the running package adds none. B mirrors what it installed
// (PACKAGE_MIRROR), and A's signed package index with it; with A stopped, C installs the free package
// from B's copy (checked by digest, A's signed entry and A's index as B kept it), and the priced one is refused with a typed reason, nothing installed.
// `mcpfed package try` runs another build of the probe on C and leaves nothing behind.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { eventually, json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { connect } from "../support/mcp.ts";
import { probeTarball } from "../support/sandbox-package.ts";
import { cli } from "../support/cli.ts";

interface RecordView {
  id: string;
  peer: string;
  role: string;
  status: string;
  record: { intent: { consumer: string; provider: string; tool: { id: string }; price: { model: string; amount: number; unit: string } }; receipt: { amount: number; unit: string }; sigs: { intent: string; receipt: string; countersign?: string } };
}
interface Installed {
  upstream: string;
  active: string | null;
}

let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let client: Client | undefined;
let tarball: Buffer;
let sha256: string;

const records = async (n: NodeProc) => (await json<{ records: RecordView[] }>(await n.admin("GET", "/ledger/records?limit=1000"))).records;
const artifact = (n: NodeProc, digest: string) => fetch(`${n.url}/federation/v1/packages/artifacts/${digest}`);

beforeAll(async () => {
  const file = await probeTarball("1.0.0");
  tarball = readFileSync(file);
  sha256 = createHash("sha256").update(tarball).digest("hex");
  [a, b, c] = await Promise.all([
    loopbackNode("alpha", { env: { PEER_POLICY: "open" } }),
    loopbackNode("bravo", { env: { PEER_POLICY: "open", PACKAGE_MIRROR: "true" } }),
    loopbackNode("charlie", { env: { PEER_POLICY: "open" } }),
  ]);
  await json(await b.admin("POST", "/peers", { url: a.url }));
  await json(await c.admin("POST", "/peers", { url: a.url }));
  await json(await c.admin("POST", "/peers", { url: b.url }));
}, 120_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, c].map((n) => n?.stop()));
});

describe("a priced package, paid through the ledger", () => {
  it("A publishes the probe from a tarball, priced and free, and serves the artifact", async () => {
    const tgz = tarball.toString("base64");
    const priced = await json<{ key: string; body: { artifact: { type: string; sha256: string; size: number }; price: unknown; tools: { name: string }[] } }>(
      await a.admin("POST", "/packages/publish", { tarball: tgz, name: "probe", version: "1.0.0+build.1", licence: { id: "proprietary" }, price: { amount: 5, unit: "credits", per: "update" } }),
    );
    expect(priced.key).toBe("package/probe@1.0.0+build.1");
    expect(priced.body.artifact).toEqual({ type: "tarball", sha256, size: tarball.length });
    expect(priced.body.tools.map((t) => t.name)).toContain("read_env");
    await json(await a.admin("POST", "/packages/publish", { tarball: tgz, name: "probe-free", licence: { id: "MIT" } }));
    const served = await artifact(a, sha256);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(tarball)).toBe(true);
    // Nothing else: an unknown digest, or not a digest at all.
    expect((await artifact(a, "0".repeat(64))).status).toBe(404);
    expect((await artifact(a, "../../etc")).status).toBe(404);
  }, 300_000);

  it("B installs the priced package: both nodes hold the same record, signed by both", async () => {
    await eventually(async () => {
      const r = await json<{ packages: { name: string }[] }>(await b.admin("GET", "/packages/search?q=probe"));
      expect(r.packages.map((p) => p.name).sort()).toEqual(["probe", "probe-free"]);
    }, 30_000);
    const installed = await json<{ upstream: string; active: boolean; fetched: boolean }>(await b.admin("POST", "/packages", { name: "probe" }));
    expect(installed).toMatchObject({ upstream: "probe", active: true, fetched: true });
    const [onB] = await records(b);
    expect(onB).toMatchObject({ peer: a.nodeId, role: "consumer", status: "confirmed" });
    expect(onB!.record.intent).toMatchObject({ consumer: b.nodeId, provider: a.nodeId, tool: { id: `${a.nodeId}/package/probe@1.0.0+build.1` }, price: { model: "grant", amount: 5, unit: "credits" } });
    expect(onB!.record.receipt).toMatchObject({ amount: 5, unit: "credits" });
    expect(onB!.record.sigs.countersign).toBeTruthy();
    // The countersignature reaches A on its own: no call to A follows a purchase.
    const onA = await eventually(async () => {
      const held = (await records(a)).find((r) => r.id === onB!.id);
      expect(held?.status).toBe("confirmed");
      return held!;
    }, 30_000);
    expect(onA.role).toBe("provider");
    expect(onA.record).toEqual(onB!.record);
  }, 300_000);

  it("a call to the running package makes no record on either node", async () => {
    const before = [(await records(a)).length, (await records(b)).length];
    client = await connect(b.mcpUrl);
    const r = (await client.callTool({ name: "probe_read_env", arguments: { name: "HOME" } })) as { isError?: boolean; content: { text: string }[] };
    expect(r.isError ?? false).toBe(false);
    expect(r.content[0]!.text).toBe("undefined");
    expect([(await records(a)).length, (await records(b)).length]).toEqual(before);
  }, 120_000);
});

describe("mirrors: installable while the origin is offline", () => {
  it("B serves what it installed; C, which installed nothing, serves nothing", async () => {
    const fromB = await artifact(b, sha256);
    expect(fromB.status).toBe(200);
    expect(Buffer.from(await fromB.arrayBuffer()).equals(tarball)).toBe(true);
    expect((await artifact(c, sha256)).status).toBe(404);
  });

  it("A serves its signed package index; B, which mirrors, serves the copy it accepted; C serves none", async () => {
    const own = await json<{ origin: string; seq: number; packages: { name: string; versions: { version: string }[] }[] }>(await fetch(`${a.url}/federation/v1/packages/index`));
    expect(own.origin).toBe(a.nodeId);
    expect(own.packages.map((p) => p.name)).toEqual(["probe", "probe-free"]);
    const mirrored = await json<{ seq: number; sig: string }>(await fetch(`${b.url}/federation/v1/packages/index/${a.nodeId}`));
    expect(mirrored.seq).toBeLessThanOrEqual(own.seq);
    expect(mirrored.sig).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((await fetch(`${c.url}/federation/v1/packages/index/${a.nodeId}`)).status).toBe(404);
    // A node that publishes nothing signs no index.
    expect((await fetch(`${c.url}/federation/v1/packages/index`)).status).toBe(404);
  });

  it("with A stopped, C installs the free package from B's copy, and refuses the priced one", async () => {
    await eventually(async () => {
      const r = await json<{ packages: { name: string }[] }>(await c.admin("GET", "/packages/search?q=probe"));
      expect(r.packages).toHaveLength(2);
    }, 30_000);
    await a.stop();
    const free = await json<{ upstream: string; fetched: boolean; sha256: string }>(await c.admin("POST", "/packages", { name: "probe-free" }));
    expect(free).toMatchObject({ upstream: "probe-free", fetched: true, sha256 });
    const verdict = await json<{ ok: boolean }>(await c.admin("POST", "/packages/probe-free/verify"));
    expect(verdict.ok).toBe(true);
    // A version is installed once per node: under a second upstream it is refused, not half-made.
    const twice = await c.admin("POST", "/packages", { name: "probe-free", upstream: "probe-twice" });
    expect(twice.status).toBe(409);
    expect(((await twice.json()) as { error: { reason: string } }).error.reason).toBe("in_use");
    // The priced one needs its publisher to sell the licence: refused, and nothing registered.
    const priced = await c.admin("POST", "/packages", { name: "probe" });
    expect(priced.status).toBe(502);
    const refusal = (await priced.json()) as { error: { reason: string; message: string } };
    expect(refusal.error.reason).toBe("licence_refused");
    expect(refusal.error.message).toMatch(/5 credits per update/);
    const list = await json<{ packages: Installed[] }>(await c.admin("GET", "/packages"));
    expect(list.packages.map((p) => p.upstream)).toEqual(["probe-free"]);
    expect((await c.admin("GET", "/upstreams/probe")).status).toBe(404);
    expect(await records(c)).toEqual([]);
  }, 300_000);

  it("an operator cannot register a command as a sandboxed package or in a package's folder", async () => {
    for (const extra of [{ sandboxed: true }, { cwd: join(c.dataDir, "package-data", "probe-free") }]) {
      const res = await c.admin("POST", "/upstreams", { name: "posing", kind: "stdio", command: "node", args: ["-e", ""], ...extra });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain("set only by the package installer");
    }
    expect((await c.admin("GET", "/upstreams/posing")).status).toBe(404);
  });
});

describe("package try", () => {
  it("runs a tarball in the sandbox, lists its tools, answers a call, and leaves nothing behind", async () => {
    const file = await probeTarball("2.0.0");
    const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
    const storeBefore = readdirSync(join(c.dataDir, "packages")).sort();
    const run = await cli(["package", "try", file, "--allow-env", "PROBE_GREETING", "--env", "PROBE_GREETING=hello", "--call", "read_env", "--args", '{"name":"PROBE_GREETING"}', "--json"], {
      MCPFED_URL: c.url,
      ADMIN_TOKEN: c.adminToken,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { sha256: string; tools: { name: string }[]; call: { isError: boolean; content: { text: string }[] } };
    expect(out.sha256).toBe(digest);
    expect(out.tools.map((t) => t.name).sort()).toEqual(["fetch_url", "read_env", "read_file", "write_file"]);
    expect(out.call).toEqual({ isError: false, content: [{ type: "text", text: "hello" }] });
    // Nothing registered, installed or kept: not the scratch folder, not the unpacked build.
    const list = await json<{ packages: Installed[] }>(await c.admin("GET", "/packages"));
    expect(list.packages.map((p) => p.upstream)).toEqual(["probe-free"]);
    expect(readdirSync(join(c.dataDir, "package-data")).filter((d) => d.startsWith("try-"))).toEqual([]);
    expect(readdirSync(join(c.dataDir, "packages")).sort()).toEqual(storeBefore);
    // A tool the package does not have is a typed refusal.
    const missing = await c.admin("POST", "/packages/try", { tarball: readFileSync(file).toString("base64"), call: { name: "nothing" } });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { reason: string } }).error.reason).toBe("invalid_request");
  }, 180_000);
});
