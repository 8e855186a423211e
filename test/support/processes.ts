// Real processes on loopback for tests and benchmarks: upstream MCP servers from npm, and mcpfed
// nodes under Node (and, in their own tests, Deno and workerd). Every child is killed at exit.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "node_modules/.bin");
/** Binaries installed under tools/ (see tools/package.json): Deno, and Node 24 for native crypto. */
export const TOOLS = join(ROOT, "tools/node_modules/.bin");

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

const tempDirs = new Set<string>();

/** A fresh folder under the system's temp dir, removed by removeTempDirs() (after each test file, see vitest.config.ts). */
export function tempDir(prefix = "mcpfed-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Removes the folders tempDir() made: run once the processes using them have stopped. */
export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  tempDirs.clear();
}

// A port for a child process to listen on. Asking the kernel for port 0 and closing it races:
// another worker's child can be handed the same port before ours binds, and its health check then
// answers for ours. So each vitest worker takes ports from its own block below the kernel's
// ephemeral range (32768+), skipping any already bound.
const PORT_BLOCK = 1000;
const PORT_BASE = 20_000 + ((Number(process.env.VITEST_POOL_ID ?? 0) % 12) * PORT_BLOCK);
let nextPort = PORT_BASE + Math.floor(Math.random() * PORT_BLOCK);

function bindable(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once("error", () => res(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => res(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < PORT_BLOCK; tries++) {
    const port = nextPort;
    nextPort = PORT_BASE + ((nextPort + 1 - PORT_BASE) % PORT_BLOCK);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${PORT_BASE}..${PORT_BASE + PORT_BLOCK - 1}`);
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

export function start(cmd: string, args: string[], env: Record<string, string> = {}, cwd = ROOT): Proc {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.once("exit", () => children.delete(child));
  return {
    child,
    output: () => out,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Polls until `probe` resolves truthy, or fails with the process output. */
export async function waitFor(probe: () => Promise<boolean>, what: string, proc?: Proc, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${what}: process exited\n${proc.output()}`);
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${ms} ms\n${proc?.output() ?? ""}`);
}

export interface Upstream extends Proc {
  url: string;
  port: number;
}

/** @modelcontextprotocol/server-everything in its streamable HTTP mode. */
export async function startEverything(port?: number): Promise<Upstream> {
  const p = port ?? (await freePort());
  const proc = start(process.execPath, [join(BIN, "mcp-server-everything"), "streamableHttp"], { PORT: String(p) });
  const url = `http://127.0.0.1:${p}/mcp`;
  await waitFor(async () => (await fetch(url, { method: "GET" })).status > 0, "server-everything", proc);
  return { ...proc, url, port: p };
}

/** The command that runs server-everything over stdio, for registering it as a stdio upstream. */
export const everythingStdio = { command: process.execPath, args: [join(BIN, "mcp-server-everything"), "stdio"] };

export interface NodeProc extends Proc {
  /** The node's id, from its card: the first segment of its tools' global ids. */
  nodeId: string;
  port: number;
  url: string;
  mcpUrl: string;
  dataDir: string;
  adminToken: string;
  admin: (method: string, path: string, body?: unknown) => Promise<Response>;
}

export const ADMIN_TOKEN = "test-admin-token-0123456789";

/** The admin API as a test calls it: method, path, optional JSON body, the bearer token. */
export function adminClient(url: string, token: string) {
  // A fresh connection per request: a pooled one can be closed by the node's keep-alive timer just as a
  // request goes out on it, which fails a non-idempotent request with "other side closed" under load.
  return (method: string, path: string, body?: unknown) =>
    fetch(`${url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, connection: "close", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}

/** Reads a running node's id from its card. */
export async function nodeIdAt(url: string): Promise<string> {
  const card = (await (await fetch(`${url}/.well-known/mcpfed`)).json()) as { id: string };
  return card.id;
}

export interface NodeOptions {
  env?: Record<string, string>;
  dataDir?: string;
  port?: number;
  /** Another Node binary, e.g. Node 24 from tools/ for the native crypto path. */
  node?: string;
}

/** An mcpfed node under Node (`npm start`'s entry point) with its own data folder. */
export async function startNode(opts: NodeOptions = {}): Promise<NodeProc> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? tempDir();
  const env = { PORT: String(port), DATA_DIR: dataDir, ADMIN_TOKEN, TICK_SECONDS: "3600", ...opts.env };
  const bundle = process.env.MCPFED_NODE_BUNDLE;
  const proc = start(opts.node ?? process.execPath, bundle ? [bundle] : ["--import", "tsx", join(ROOT, "src/runtimes/node.ts")], env);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, "mcpfed node", proc);
  return { ...proc, nodeId: await nodeIdAt(url), port, url, mcpUrl: `${url}/mcp`, dataDir, adminToken: env.ADMIN_TOKEN, admin: adminClient(url, env.ADMIN_TOKEN) };
}

/** A node that peers reach on loopback: PUBLIC_URL is its own address. */
export async function loopbackNode(name: string, opts: NodeOptions = {}): Promise<NodeProc> {
  const port = opts.port ?? (await freePort());
  return startNode({ ...opts, port, env: { NODE_NAME: name, PUBLIC_URL: `http://127.0.0.1:${port}`, ...opts.env } });
}

/** The JSON body of a successful response; a failure throws with the status and body. */
export async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** A new API token named `name` on `node`, as the Authorization header its client sends. */
export async function bearerFor(node: NodeProc, name: string): Promise<Record<string, string>> {
  const { secret } = await json<{ secret: string }>(await node.admin("POST", "/tokens", { name }));
  return { authorization: `Bearer ${secret}` };
}

export function adminTokenIn(dataDir: string): string {
  return readFileSync(join(dataDir, "admin-token"), "utf8").trim();
}

/** Retries an assertion until it holds, for state written after the response (e.g. the invocation log). */
export async function eventually<T>(check: () => Promise<T>, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
