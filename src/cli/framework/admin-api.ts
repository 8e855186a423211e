// The CLI's client for the admin API. Every failure becomes a CliError with a message meant for
// a person; the token never appears in one.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, UsageError } from "./errors.ts";

/** One path segment of an admin API path. */
export const seg = encodeURIComponent;

/** The node's base URL: --url, then MCPFED_URL, then the local default port. */
export function resolveNodeUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = flag ?? env.MCPFED_URL ?? `http://127.0.0.1:${env.PORT || 8787}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`not an http(s) URL: ${raw}`);
  return url.href.replace(/\/+$/, "");
}

export interface Token {
  value: string;
  /** Where it came from, for error messages (never the value itself). */
  source: string;
}

/** The admin token: --token, then ADMIN_TOKEN, then the file a local node generates. */
export function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv): Token {
  if (flag) return { value: flag, source: "--token" };
  if (env.ADMIN_TOKEN) return { value: env.ADMIN_TOKEN, source: "ADMIN_TOKEN" };
  const file = join(env.DATA_DIR || "data", "admin-token");
  let value: string;
  try {
    value = readFileSync(file, "utf8").trim();
  } catch {
    throw new UsageError(`no admin token: pass --token, set ADMIN_TOKEN, or run where ${file} exists (DATA_DIR)`);
  }
  if (!value) throw new UsageError(`no admin token: ${file} is empty`);
  return { value, source: file };
}

interface ApiErrorBody {
  error?: { code?: string; message?: string; issues?: { path?: string; message?: string }[] };
}

function describeApiError(status: number, text: string): string {
  let body: ApiErrorBody | undefined;
  try {
    body = JSON.parse(text) as ApiErrorBody;
  } catch {
    // not JSON: fall through to the raw text
  }
  const e = body?.error;
  if (!e?.message) return `HTTP ${status}${text.trim() ? `: ${text.trim().slice(0, 500)}` : ""}`;
  const lines = [`${e.message} (${e.code ?? `HTTP ${status}`})`];
  for (const i of e.issues ?? []) lines.push(`  ${i.path || "(body)"}: ${i.message ?? "invalid"}`);
  return lines.join("\n");
}

const TIMEOUT_MS = 120_000;

export class AdminApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: Token,
  ) {}

  /** The parsed JSON answer, or null for an empty one (204). */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.requestText(method, path, body);
    if (!text) return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`the node at ${this.baseUrl} answered ${method} ${path} with something other than JSON`);
    }
  }

  /** The answer's text as it came (a CSV download). */
  async requestText(method: string, path: string, body?: unknown): Promise<string> {
    return new TextDecoder().decode(await this.requestBytes(method, path, body));
  }

  /** The answer's bytes as they came (a PDF). A Uint8Array body is sent as bytes, anything else as JSON. */
  async requestBytes(method: string, path: string, body?: unknown): Promise<Uint8Array> {
    return (await this.requestAnswer(method, path, body)).bytes;
  }

  /** The answer's bytes and headers (a page of CSV names the next in a header). */
  async requestAnswer(method: string, path: string, body?: unknown): Promise<{ bytes: Uint8Array; headers: Headers }> {
    const url = `${this.baseUrl}/admin${path}`;
    let headers: Headers;
    try {
      headers = new Headers({ authorization: `Bearer ${this.token.value}` });
    } catch {
      // A token with control characters cannot go in a header; say where it came from, not what it is.
      throw new UsageError(`the admin token from ${this.token.source} is not a valid header value`);
    }
    const raw = body instanceof Uint8Array;
    if (body !== undefined) headers.set("content-type", raw ? "application/octet-stream" : "application/json");
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: raw ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "TimeoutError") {
        throw new CliError(`the node at ${this.baseUrl} did not answer within ${TIMEOUT_MS / 1000} s`);
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
      throw new CliError(`cannot reach node at ${this.baseUrl} (${why}); is it running? (set --url or MCPFED_URL)`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status === 401) {
      throw new CliError(`unauthorized: the node at ${this.baseUrl} rejected the admin token from ${this.token.source}`);
    }
    if (!res.ok) throw new CliError(describeApiError(res.status, new TextDecoder().decode(bytes)));
    return { bytes, headers: res.headers };
  }
}
