// What a runtime tells the node about where it runs. Each entry point in src/runtimes/ passes one,
// so nothing in the core asks which runtime it is on.
import type { Transport } from "@modelcontextprotocol/client";
import type { StrongOp } from "../../protocol/blackboard/strong-log.ts";
import type { StrongOutcome } from "../../protocol/messages/blackboard-strong.ts";
import type { RawRsa } from "../../protocol/tokens/raw-rsa.ts";
import type { OnionCipher } from "../../protocol/routes/onion/stream-cipher.ts";
import type { UpstreamTarget } from "../../store/upstream-spec.ts";
import type { PackageFiles } from "./package-files.ts";
import type { PDFDocument } from "pdf-lib";

export type StdioTarget = Extract<UpstreamTarget, { kind: "stdio" }>;
/** Supplied by runtimes that can spawn processes (Node, Deno with a disk); elsewhere stdio upstreams are refused. */
export type StdioConnector = (target: StdioTarget) => Transport;

/**
 * The runtimes packages run under (src/node/packages/sandbox.ts), as the entry point found them:
 * the Node binary and the permission flag its version takes, and Deno's binary.
 */
export interface PackageRuntimes {
  node?: { command: string; permissionFlag: "--permission" | "--experimental-permission" } | undefined;
  deno?: { command: string } | undefined;
}

/**
 * Where a strong key's operations are put in order at its home (protocol §17.8), one at a time per
 * key across every instance of the node. It throws when the answer did not come back.
 */
export interface StrongHome {
  order(namespace: string, key: string, op: StrongOp, replicas: readonly string[]): Promise<StrongOutcome>;
}

export interface Platform {
  /**
   * I/O belongs to the request that started it (Workers): work left after a response must be
   * handed to that request's waitUntil, and one request's fetches and signals may not serve another.
   */
  requestScopedIo: boolean;
  /**
   * Requests with their own deferred work (Workers: the request's waitUntil, through the runtime's
   * async context). Work the node defers while a request is handled, and work that work defers in
   * turn, goes to that request; outside one (a tick), to the node's own set. Absent, all goes there.
   */
  requestDefer?: RequestDefer;
  /** Whether a response may stay open to carry list_changed (GET /mcp); an isolate cannot keep one usefully. */
  standingStreams: boolean;
  /** Spawns stdio upstreams; absent where processes cannot be spawned. */
  stdio?: StdioConnector;
  /**
   * The runtime's fetch for requests to other servers, refusing connections whose resolved address
   * is special-purpose unless ALLOW_PRIVATE_URLS (Node, Deno). Workers need none: their egress
   * cannot reach private addresses.
   */
  fetch?: typeof fetch;
  /**
   * A vetted library's raw RSA, for the token issuer's blind signatures (node:crypto on Node, Deno
   * and workerd). Absent, blindrsa-ts computes them, 85 to 500 times slower (docs/benchmarks.md).
   */
  rawRsa?: RawRsa;
  /** The onion's AES-CTR and SHA-256 without WebCrypto's per-call cost (node:crypto on Node); absent, WebCrypto. */
  onionCipher?: OnionCipher;
  /** Where packages can run (Node, Deno present on the machine); absent, none can. */
  packageRuntimes?: PackageRuntimes;
  /** The package store (protocol §18): absent where there is no file system to keep packages in (Workers, Deno Deploy). */
  packages?: PackageFiles;
  /**
   * The runtime's DNS resolver for TXT records (Node, Deno; servers from DNS_SERVERS): the domain
   * proof's lookups (src/node/peers/domains.ts). Absent (Workers), DNS-over-HTTPS through the
   * outbound guard answers instead.
   */
  resolveTxt?: TxtResolver;
  /**
   * Workers: a Durable Object per strong key, as a node there runs in many isolates at once.
   * Absent (Node, Deno: one process per node), each key's queue is kept in this process.
   */
  strongHome?: StrongHome;
  /** Font files for invoice PDFs in any language (DejaVu Sans on Node, Deno and Workers; Noto Sans SC and KR where an invoice needs them); absent, the standard fonts write Latin only. */
  pdfFonts?: () => Promise<PdfFonts>;
}

/** Keeps work alive after the response. */
export type Defer = (work: Promise<unknown>) => void;

/** A request's own defer, found again from any work the request's handling starts. */
export interface RequestDefer {
  run<T>(defer: Defer, handle: () => Promise<T>): Promise<T>;
  /** The defer of the request whose handling is running, if any. */
  current(): Defer | undefined;
}

/**
 * The TXT records at a name, each as its character-strings; none when the name or its TXT records
 * do not exist. Any other failure (timeout, server failure) throws: absence must not be guessed.
 */
export type TxtResolver = (name: string, timeoutMs: number) => Promise<string[][]>;

/** Scripts with a fallback font: Han, kana and CJK punctuation (Noto Sans SC); Hangul (Noto Sans KR). */
export type FallbackScript = "cjk" | "hangul";

/** TrueType files (regular and bold) a PDF embeds, and the font engine that embeds them. */
export interface PdfFonts {
  regular: Uint8Array;
  bold: Uint8Array;
  /**
   * Fonts for scripts the two lack, drawn in both weights, each read only for an invoice that holds
   * its script (they are large: on Workers they are static assets, not in the script).
   */
  fallbacks?: Partial<Record<FallbackScript, () => Promise<Uint8Array>>>;
  /** fontkit (src/runtimes/pdf-fontkit.ts), passed in with the files so the core does not import it. */
  fontkit: Parameters<PDFDocument["registerFontkit"]>[0];
}

/** A long-lived process with the global fetch: what in-process tests and benchmarks run on. */
export const PROCESS_PLATFORM: Platform = { requestScopedIo: false, standingStreams: true };
