// npm behind the registry proxy (docs/security.md, "What npm fetches"): the real npm CLI installs a
// dependency from a registry on loopback through the proxy; a registry whose metadata points a
// tarball at another host gets the install refused, and that host is never reached; the proxy dials
// the addresses it was given, not what the registry's name resolves to, and refuses other hosts.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installDependencies } from "../../src/runtimes/npm-dependencies.ts";
import { startRegistryProxy } from "../../src/runtimes/npm-registry-proxy.ts";
import { removeTempDirs, tempDir } from "../support/processes.ts";

interface Served {
  server: http.Server;
  url: string;
  seen: { path: string; host: string }[];
}

/** An HTTP server on loopback that records what it was asked; `answer` writes the reply. */
async function serve(answer: (path: string, res: http.ServerResponse) => void): Promise<Served> {
  const seen: Served["seen"] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? "", host: req.headers.host ?? "" });
    answer(req.url ?? "", res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

let tarball: Buffer;
const servers: http.Server[] = [];

/** A registry serving `dep-a@1.0.0`, its tarball at `tarballBase` (by default itself). */
async function registry(tarballBase?: string): Promise<Served> {
  let self = "";
  const r = await serve((path, res) => {
    if (path === "/dep-a") {
      const dist = {
        tarball: `${tarballBase ?? self}dep-a/-/dep-a-1.0.0.tgz`,
        shasum: createHash("sha1").update(tarball).digest("hex"),
        integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
      };
      const packument = { name: "dep-a", "dist-tags": { latest: "1.0.0" }, versions: { "1.0.0": { name: "dep-a", version: "1.0.0", dist } } };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(packument));
    } else if (path === "/dep-a/-/dep-a-1.0.0.tgz") {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(tarball);
    } else res.writeHead(404).end("{}");
  });
  self = r.url;
  servers.push(r.server);
  return r;
}

/** A package that needs dep-a, installed with an empty npm cache (which would otherwise serve the tarball). */
function packageNeeding(): string {
  process.env.npm_config_cache = tempDir("mcpfed-npm-proxy-cache-");
  const root = tempDir("mcpfed-npm-proxy-pkg-");
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "needs-dep-a", version: "1.0.0", dependencies: { "dep-a": "^1.0.0" } }));
  return root;
}

beforeAll(() => {
  const src = tempDir("mcpfed-npm-proxy-src-");
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, "package.json"), JSON.stringify({ name: "dep-a", version: "1.0.0", main: "index.js" }));
  writeFileSync(join(src, "index.js"), "module.exports = 1;\n");
  const out = tempDir("mcpfed-npm-proxy-out-");
  mkdirSync(out, { recursive: true });
  const name = execFileSync("npm", ["pack", "--pack-destination", out, "--loglevel=error"], { cwd: src, encoding: "utf8" }).trim().split("\n").pop()!;
  tarball = readFileSync(join(out, name));
}, 60_000);

const cache = process.env.npm_config_cache;
afterAll(() => {
  if (cache === undefined) delete process.env.npm_config_cache;
  else process.env.npm_config_cache = cache;
  for (const s of servers) s.close();
  removeTempDirs();
});

describe("npm behind the registry proxy", () => {
  it("installs a dependency from the registry through the proxy", async () => {
    const r = await registry();
    const root = packageNeeding();
    await installDependencies(root, { registry: r.url, allowPrivate: true });
    expect(existsSync(join(root, "node_modules", "dep-a", "index.js"))).toBe(true);
    expect(r.seen.map((s) => s.path)).toEqual(expect.arrayContaining(["/dep-a", "/dep-a/-/dep-a-1.0.0.tgz"]));
  }, 120_000);

  it("refuses the install when the registry points a tarball at another host, which is never reached", async () => {
    const elsewhere = await serve((_, res) => res.writeHead(200).end(tarball));
    servers.push(elsewhere.server);
    const r = await registry(elsewhere.url);
    const root = packageNeeding();
    const refusal = installDependencies(root, { registry: r.url, allowPrivate: true });
    await expect(refusal).rejects.toMatchObject({ name: "UnsafeArchiveError", message: expect.stringContaining("which is not the registry") });
    expect(elsewhere.seen).toEqual([]);
    expect(r.seen.map((s) => s.path)).toContain("/dep-a");
    expect(existsSync(join(root, "node_modules", "dep-a"))).toBe(false);
  }, 120_000);

  it("dials the pinned address for the registry's name, and refuses any other host or port", async () => {
    const target = await serve((_, res) => res.writeHead(200).end("pinned"));
    servers.push(target.server);
    const port = Number(new URL(target.url).port);
    // The name resolves nowhere: only the pinned address can answer.
    const proxy = await startRegistryProxy({ url: new URL(`http://registry.invalid:${port}/`), addresses: ["127.0.0.1"] });
    const viaProxy = (path: string, method = "GET") =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const p = new URL(proxy.url);
        const req = http.request({ host: p.hostname, port: Number(p.port), method, path }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("connect", (res, socket) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, body: "" });
        });
        req.on("error", reject);
        req.end();
      });
    try {
      expect(await viaProxy(`http://registry.invalid:${port}/dep-a`)).toEqual({ status: 200, body: "pinned" });
      expect(target.seen).toEqual([{ path: "/dep-a", host: `registry.invalid:${port}` }]);
      expect((await viaProxy(`http://127.0.0.1:${port}/dep-a`)).status).toBe(403);
      expect((await viaProxy(`http://registry.invalid:${port + 1}/dep-a`)).status).toBe(403);
      expect((await viaProxy(`evil.example:443`, "CONNECT")).status).toBe(403);
      expect((await viaProxy(`registry.invalid:${port}`, "CONNECT")).status).toBe(200);
      expect(target.seen).toHaveLength(1);
      expect(proxy.refused).toEqual([`127.0.0.1:${port}`, `registry.invalid:${port + 1}`, "evil.example:443"]);
    } finally {
      await proxy.close();
    }
  });
});
