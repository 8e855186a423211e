// What the operator registers: an upstream MCP server, by URL or (on Node) by command.
import { z } from "zod";
import type { PerPrincipal } from "./schema/upstreams.ts";

export const upstreamName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "lowercase letters, digits, _ and -, at most 32, starting with a letter or digit");

export const prefixSchema = z.string().regex(/^[A-Za-z0-9_-]{0,32}$/, "at most 32 of [A-Za-z0-9_-]");

const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "a valid HTTP header name");

// Declared with the column that stores it, which the schema cannot import from here without a cycle.
export type { PerPrincipal } from "./schema/upstreams.ts";
export const perPrincipalSetting = z
  .string()
  .regex(/^(header:[A-Za-z0-9-]{1,64}|oauth)$/, 'must be "header:<Header-Name>" or "oauth"')
  .transform((v): PerPrincipal => (v === "oauth" ? { mode: "oauth" } : { mode: "header", header: v.slice("header:".length) }));

/** strict: a tool seen for the first time waits for the operator's approval, as a changed one does. */
export const pinMode = z.enum(["first-use", "strict"]);

export const httpUpstream = z.object({
  name: upstreamName,
  kind: z.literal("http"),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(headerName, z.string().max(8192)).optional(),
  bearerToken: z.string().min(1).max(8192).optional(),
  prefix: prefixSchema.optional(),
  /** Each caller brings its own credential; `headers` and `bearerToken` then serve listing only. */
  perPrincipal: perPrincipalSetting.optional(),
  pins: pinMode.optional(),
});

export const stdioUpstream = z.object({
  name: upstreamName,
  kind: z.literal("stdio"),
  command: z.string().min(1).max(1024),
  args: z.array(z.string().max(4096)).max(64).default([]),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(8192)).optional(),
  /** The child's working folder; the node's when absent. */
  cwd: z.string().min(1).max(4096).optional(),
  /** Run with exactly `env` and nothing of the node's environment (how packages run). */
  sandboxed: z.boolean().optional(),
  prefix: prefixSchema.optional(),
  pins: pinMode.optional(),
});

/** What the node registers: the operator's upstreams, and the package installer's (cwd, sandboxed). */
export const upstreamInput = z.discriminatedUnion("kind", [httpUpstream, stdioUpstream]);
export type UpstreamInput = z.infer<typeof upstreamInput>;

/** Only the package installer sets these: an operator's command never runs as a sandboxed package would, nor from a package's folder. */
const installerOnly = z.undefined({ error: "set only by the package installer (mcpfed package install)" }).optional();

/** What the operator may register through the admin API. */
export const operatorUpstreamInput = z.discriminatedUnion("kind", [httpUpstream, stdioUpstream.extend({ cwd: installerOnly, sandboxed: installerOnly })]);

/** How to reach an upstream: the stored row, secrets included. */
export type UpstreamTarget =
  | { name: string; kind: "http"; url: string; headers: Record<string, string> }
  | {
      name: string;
      kind: "stdio";
      command: string;
      args: string[];
      env: Record<string, string>;
      /** The child's working folder (a package's data folder); else the node's. */
      cwd?: string | undefined;
      /**
       * A package run in the sandbox (src/node/packages/sandbox.ts): the child gets exactly `env`,
       * nothing of the node's, and its permission denials are logged as sandbox_denied.
       */
      sandboxed?: boolean | undefined;
    };
