// Installed packages in configuration as code (docs/protocol.md §19.3, §18): an in-process node on
// an embedded libSQL file, with a stdio connector, a package store and the runtimes of tools/, which
// publishes the real sandbox-probe (two versions, from tarballs) and installs both. The export names
// the package, its origin, its versions, the one in use, the non-secret variable's value and the
// secret one by name only, and the permissions the version in use declares. The plan against its own
// file is empty; after `use` switches, the dry run lists the package and changes nothing; apply
// switches back, a second apply does nothing; a version removed since is installed back.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import type { ConfigFile } from "../../src/protocol/config/file.ts";
import { printConfig, signConfig } from "../../src/protocol/config/sign.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { startLocal } from "../../src/runtimes/local.ts";
import { stdioConnector } from "../../src/runtimes/stdio.ts";
import { nodePackageFiles } from "../../src/runtimes/package-files.ts";
import { removeTempDirs, tempDir } from "../support/processes.ts";
import { probeTarball, toolsRuntimes } from "../support/sandbox-package.ts";

const TOKEN = "config-packages-admin-token-01";
const SEED = newSeed();
const SECRET = "s3cret-probe-token-value-9d2";

let app: NodeApp;
let nodeId: string;
const admin = async (method: string, path: string, body?: unknown) =>
  app.app.request(`http://127.0.0.1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function ok<T>(res: Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const text = await r.text();
  expect(r.status, text).toBe(status);
  return JSON.parse(text) as T;
}

interface Change {
  area: string;
  action: string;
  key: string;
  note?: string;
  blocked?: string;
}
interface Outcome {
  change: Change;
  ok: boolean;
  error?: string;
}

const exportText = async () => {
  const r = await admin("GET", "/config");
  expect(r.status).toBe(200);
  return r.text();
};
const plan = async (file: string, extra: Record<string, unknown> = {}) => (await ok<{ plan: { changes: Change[]; kept: { area: string; key: string }[] } }>(admin("POST", "/config/plan", { file, ...extra }))).plan;
const apply = async (file: string, extra: Record<string, unknown> = {}) => (await ok<{ outcomes: Outcome[] }>(admin("POST", "/config/apply", { file, ...extra }))).outcomes;
const installed = async () => (await ok<{ packages: { upstream: string; active: string | null; versions: { version: string }[] }[] }>(admin("GET", "/packages"))).packages;

beforeAll(async () => {
  const local = await startLocal({ DATA_DIR: tempDir("mcpfed-config-packages-"), ADMIN_TOKEN: TOKEN, NODE_SEED: SEED, TICK_SECONDS: "3600" });
  app = await createApp({
    config: local.config,
    db: local.db,
    platform: { requestScopedIo: false, standingStreams: true, fetch, stdio: stdioConnector, packageRuntimes: toolsRuntimes(), packages: nodePackageFiles(local.dataDir, { registry: local.config.npmRegistryUrl, allowPrivate: false }) },
  });
  nodeId = (await ok<{ id: string }>(admin("GET", "/identity"))).id;
  const launch = {
    env: [
      { name: "PROBE_MODE", description: "how it answers", required: true, secret: false },
      { name: "PROBE_TOKEN", description: "a credential", required: false, secret: true },
      { name: "PROBE_STATE", description: "where it may keep state", required: false, secret: false },
    ],
    permissions: { net: [], read: [], write: [], env: ["PROBE_MODE", "PROBE_TOKEN", "PROBE_STATE"] },
  };
  for (const version of ["1.0.0", "1.1.0"]) {
    const tarball = readFileSync(await probeTarball(version)).toString("base64");
    await ok(admin("POST", "/packages/publish", { tarball, name: "probe", licence: { id: "MIT" }, launch, env: { PROBE_MODE: "plain" } }));
  }
  const env = { PROBE_MODE: "plain", PROBE_TOKEN: SECRET, PROBE_STATE: "{data}/state" };
  await ok(admin("POST", "/packages", { name: "probe", version: "1.0.0", env }));
  await ok(admin("POST", "/packages", { name: "probe", version: "1.1.0", env }));
}, 300_000);

afterAll(async () => {
  await app?.close();
  removeTempDirs();
});

describe("packages in the configuration file", () => {
  it("exports the package without its secret, and plans nothing against its own file", async () => {
    const text = await exportText();
    expect(text).not.toContain(SECRET);
    const file = JSON.parse(text) as { config: { packages: unknown[] } };
    expect(file.config.packages).toEqual([
      {
        upstream: "probe",
        name: "probe",
        origin: nodeId,
        versions: ["1.0.0", "1.1.0"],
        active: "1.0.0",
        // Stored expanded for the sandbox; written back with the token, for another instance.
        env: { PROBE_MODE: "plain", PROBE_TOKEN: { secret: "PROBE_PROBE_TOKEN" }, PROBE_STATE: "{data}/state" },
        permissions: { net: [], read: [], write: [], env: ["PROBE_MODE", "PROBE_TOKEN", "PROBE_STATE"] },
      },
    ]);
    expect((await plan(text)).changes).toEqual([]);
  });

  it("lists a switched package in the dry run, changing nothing; apply switches back, and again does nothing", async () => {
    const text = await exportText();
    await ok(admin("POST", "/packages/probe/use", { version: "1.1.0" }));
    const dry = await plan(text);
    expect(dry.changes).toEqual([expect.objectContaining({ area: "packages", action: "update", key: "probe", note: "serve 1.0.0" })]);
    expect(dry.changes[0]!.blocked).toBeUndefined();
    expect((await installed())[0]!.active).toBe("1.1.0");
    const outcomes = await apply(text);
    expect(outcomes).toEqual([{ change: expect.objectContaining({ area: "packages", key: "probe" }), ok: true }]);
    expect((await installed())[0]!.active).toBe("1.0.0");
    expect(await apply(text)).toEqual([]);
  });

  it("installs back, from the publisher's store, a version removed since the export", async () => {
    const text = await exportText();
    await ok(admin("DELETE", "/packages/probe?version=1.1.0"));
    expect((await installed())[0]!.versions.map((v) => v.version)).toEqual(["1.0.0"]);
    const back = await plan(text);
    expect(back.changes).toEqual([expect.objectContaining({ area: "packages", action: "update", key: "probe", note: "install 1.1.0 from " + nodeId })]);
    const outcomes = await apply(text);
    expect(outcomes.filter((o) => !o.ok), JSON.stringify(outcomes)).toEqual([]);
    expect((await installed())[0]!.versions.map((v) => v.version)).toEqual(["1.0.0", "1.1.0"]);
  });

  it("refuses, installing nothing, a file that grants other permissions, writes a secret's value or names an undeclared variable", async () => {
    const exported = JSON.parse(await exportText()) as ConfigFile;
    await ok(admin("DELETE", "/packages/probe"));
    expect(await installed()).toEqual([]);
    // Edited as an operator would, and signed again with this node's own key, which it trusts.
    const key = await signingKeyFromSeed(await primitives(), parseSeed(SEED));
    const edited = async (edit: (pkg: Record<string, unknown>) => void) => {
      const { signature: _signature, ...doc } = structuredClone(exported);
      edit(doc.config.packages![0] as unknown as Record<string, unknown>);
      return printConfig(await signConfig(doc, key.signer));
    };
    const refusals = [
      [await edited((pkg) => (pkg.permissions = { net: ["example.com"], read: [], write: [], env: ["PROBE_MODE", "PROBE_TOKEN", "PROBE_STATE"] })), "the file grants"],
      [await edited((pkg) => (pkg.env = { PROBE_MODE: "plain", PROBE_TOKEN: "written-in-the-file" })), "is a secret"],
      [await edited((pkg) => (pkg.env = { PROBE_MODE: "plain", PROBE_OTHER: "x" })), "declares no variable PROBE_OTHER"],
    ] as const;
    for (const [file, why] of refusals) {
      const outcomes = await apply(file, { secrets: { PROBE_PROBE_TOKEN: SECRET } });
      expect(outcomes).toEqual([{ change: expect.objectContaining({ area: "packages", key: "probe" }), ok: false, error: expect.stringContaining(why) }]);
      expect(await installed()).toEqual([]);
    }
    // The file as exported installs both versions back, so the refusals came from the edits.
    const outcomes = await apply(printConfig(exported), { secrets: { PROBE_PROBE_TOKEN: SECRET } });
    expect(outcomes.filter((o) => !o.ok), JSON.stringify(outcomes)).toEqual([]);
    expect((await installed())[0]!.versions.map((v) => v.version)).toEqual(["1.0.0", "1.1.0"]);
  });
});
