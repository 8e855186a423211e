// The package entry (protocol §18.1): an installable MCP server a node publishes as a registry
// entry of kind `package`, one entry per name and version. A version is immutable once signed,
// so the key names both and a receiver refuses a second body under it (node/registry).
import { z } from "zod";
import { currencyUnit } from "../ledger/pricing.ts";
import { compareSemver, isSemver } from "./semver.ts";
import { packageArtifact } from "../packages/artifact.ts";
import { packageLaunch } from "../packages/launch.ts";

/** A package's name within its origin: lowercase, npm-like, no scope. */
export const packageName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "a package name: [a-z0-9][a-z0-9._-]{0,63}");
export const packageVersion = z.string().max(64).refine(isSemver, "a semantic version");

const KEY = /^package\/([a-z0-9][a-z0-9._-]{0,63})@([0-9A-Za-z.+-]{1,64})$/;
export const packageKey = z.string().regex(KEY, "package/<name>@<version>");

export function keyOfPackage(name: string, version: string): string {
  return `package/${name}@${version}`;
}

/** The name and version a package key names, or undefined for another shape. */
export function packageOfKey(key: string): { name: string; version: string } | undefined {
  const m = KEY.exec(key);
  return m ? { name: m[1]!, version: m[2]! } : undefined;
}

const fingerprint = z.string().regex(/^sha256:[0-9a-f]{64}$/, "sha256:<64 hex>");

/** One tool the package exposes as its publisher saw it: the definition's fingerprint (§7.1) pins it. */
export const packageTool = z.strictObject({
  name: z.string().min(1).max(128),
  description: z.string().max(8192).optional(),
  inputSchema: z.looseObject({ type: z.literal("object") }),
  fingerprint,
});
export type PackageTool = z.infer<typeof packageTool>;

const amount = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * What installing costs (§18.6): `install` once per package, whatever the version; `update` on
 * every version installed, the first included. Absent: free. Calls to the running package never cost.
 */
export const packagePrice = z.strictObject({ amount, unit: currencyUnit, per: z.enum(["install", "update"]) });
export type PackagePrice = z.infer<typeof packagePrice>;

export const packageLicence = z.strictObject({
  /** An SPDX expression, or "proprietary". */
  id: z.string().regex(/^[A-Za-z0-9.+() -]{1,128}$/, "an SPDX licence expression"),
  /** The full terms, when they are not a well-known licence's. */
  text: z.string().max(16_384).optional(),
});

export const packageBody = z.strictObject({
  name: packageName,
  version: packageVersion,
  description: z.string().max(1024).default(""),
  /** The version this one follows, or null for the first: the package's history, one link per entry. */
  previous: packageVersion.nullable(),
  artifact: packageArtifact,
  launch: packageLaunch,
  tools: z.array(packageTool).max(128),
  licence: packageLicence,
  price: packagePrice.optional(),
});
export type PackageBody = z.infer<typeof packageBody>;

interface PackageEntryFields {
  key: string;
  tombstone: boolean;
  body?: unknown;
}

/**
 * What makes a well-shaped live package entry malformed: a key that is not the body's name and
 * version, a `previous` that does not come before the version, a tool twice. Empty when none.
 */
export function packageEntryProblems(e: PackageEntryFields): { path: (string | number)[]; message: string }[] {
  if (e.tombstone || e.body === undefined) return [];
  const b = e.body as PackageBody;
  // zod runs this even when the body failed its own checks; those failures are reported already.
  if (!isSemver(b.version) || (b.previous !== null && !isSemver(b.previous)) || !Array.isArray(b.tools)) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (e.key !== keyOfPackage(b.name, b.version)) problems.push({ path: ["key"], message: "must be package/<body.name>@<body.version>" });
  if (b.previous !== null && compareSemver(b.previous, b.version) >= 0) problems.push({ path: ["body", "previous"], message: "must come before the version" });
  const names = b.tools.map((t) => t.name);
  if (new Set(names).size !== names.length) problems.push({ path: ["body", "tools"], message: "no tool twice" });
  return problems;
}
