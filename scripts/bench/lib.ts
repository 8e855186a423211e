// Shared pieces of the benchmarks: latency statistics, closed-loop load, process memory, and
// the markdown the scripts print. The processes themselves come from test/support/processes.ts.
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  /** Completed calls per second of wall time. */
  rps: number;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summarize(samples: number[], wallMs: number): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    rps: (sorted.length / wallMs) * 1000,
  };
}

/**
 * Closed loop: `concurrency` workers share one counter and each keeps one call in flight until
 * `total` calls have completed. Returns per-call latencies (ms) and the wall time.
 */
export async function closedLoop(
  total: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<{ samples: number[]; wallMs: number }> {
  const samples: number[] = new Array(total);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = performance.now();
      await call(i);
      samples[i] = performance.now() - t0;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { samples, wallMs: performance.now() - t0 };
}

/**
 * The SDK client over streamable HTTP, as test/support/mcp.ts makes it, except for one thing:
 * the transport hands every POST the same session-wide AbortSignal, and undici keeps one abort
 * listener per request on it until the request is garbage-collected. Past 1,500 live listeners
 * Node prints a warning per request, which would slow the bench client on both paths alike. The
 * fetch below drops that signal; the bench never aborts a call.
 */
export async function connectClient(url: string): Promise<Client> {
  const client = new Client({ name: "mcpfed-bench", version: "0.0.0" });
  const fetchWithoutSignal: typeof fetch = (input, init) => fetch(input, { ...init, signal: null });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: fetchWithoutSignal }));
  return client;
}

export type Era = "2025-11-25" | "2026-07-28";

/** The SDK v2 client in one protocol era: the 2025 handshake, or 2026-07-28 pinned (no fallback). */
export async function connectEraClient(url: string, era: Era): Promise<ClientV2> {
  const mode = era === "2026-07-28" ? { pin: era } : ("legacy" as const);
  const client = new ClientV2({ name: "mcpfed-bench", version: "0.0.0" }, { versionNegotiation: { mode } });
  const fetchWithoutSignal: typeof fetch = (input, init) => fetch(input, { ...init, signal: null });
  await client.connect(new TransportV2(new URL(url), { fetch: fetchWithoutSignal }));
  return client;
}

interface ToolCaller {
  callTool(req: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
}

/** tools/call of an `echo` tool, failing loudly on anything but the echo. */
export async function echo(client: ToolCaller, name: string, i: number): Promise<void> {
  const msg = `bench-${i}`;
  const res = (await client.callTool({ name, arguments: { message: msg } })) as { content?: unknown; isError?: boolean };
  const text = (res.content as { type: string; text?: string }[] | undefined)?.[0]?.text;
  if (res.isError || text !== `Echo: ${msg}`) throw new Error(`unexpected echo result: ${JSON.stringify(res)}`);
}

/** Resident and peak resident memory of a process, in MiB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMiB: kb("VmRSS") / 1024, hwmMiB: kb("VmHWM") / 1024 };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function machine(): string {
  const cpu = cpus();
  return `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${process.platform}/${process.arch}`;
}

export const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Reads an integer setting from the environment, e.g. BENCH_ROUNDS=5. */
export function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
