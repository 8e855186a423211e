// How a package's process is started with least privilege: the command, flags and environment
// made from its declared launch (protocol §18, `packageLaunch`) and nothing else. Deno denies
// what is not declared (files, hosts, environment variables); Node's permission model limits
// files only (no network restriction exists in it: docs/security.md). Paths are POSIX: packages
// run on Node-hosted nodes only.
import { PACKAGE_TOKEN, type PackageLaunch } from "../../protocol/packages/launch.ts";
import type { PackageRuntimes, StdioTarget } from "../settings/platform.ts";

/** What the sandbox starts: a stdio target without its upstream's name. */
export type PackageTarget = Omit<StdioTarget, "name">;

export class SandboxError extends Error {
  override name = "SandboxError";
  constructor(
    readonly code: "runtime_unavailable" | "missing_env",
    message: string,
  ) {
    super(message);
  }
}

const within = (dir: string, relative: string) => `${dir.replace(/\/+$/, "")}/${relative}`;

/** `{data}` at the start of an argument or a variable's value is the package's data folder, `{package}` its unpacked folder (§18.1). */
const DATA_TOKEN = "{data}";
function expandTokens(value: string, dataDir: string, installDir: string): string {
  if (value.startsWith(DATA_TOKEN)) return dataDir.replace(/\/+$/, "") + value.slice(DATA_TOKEN.length);
  if (value.startsWith(PACKAGE_TOKEN)) return installDir.replace(/\/+$/, "") + value.slice(PACKAGE_TOKEN.length);
  return value;
}

/** The inverse, for a configuration file: a value under this node's data folder is written with `{data}`, so it applies on another instance. */
export function collapseData(value: string, dataDir: string): string {
  const dir = dataDir.replace(/\/+$/, "");
  return value === dir || value.startsWith(dir + "/") ? DATA_TOKEN + value.slice(dir.length) : value;
}

/** Only the variables the entry declares, to launch it (env) or to be read by it (permissions.env); a declared default where none is given. */
function declaredEnv(launch: PackageLaunch, given: Record<string, string>): Record<string, string> {
  const names = new Set([...launch.env.map((v) => v.name), ...launch.permissions.env]);
  const values = { ...Object.fromEntries(launch.env.flatMap((v) => (v.default !== undefined ? [[v.name, v.default]] : []))), ...given };
  const missing = launch.env.filter((v) => v.required && values[v.name] === undefined).map((v) => v.name);
  if (missing.length > 0) throw new SandboxError("missing_env", `the package needs ${missing.join(", ")} set`);
  return Object.fromEntries(Object.entries(values).filter(([k]) => names.has(k)));
}

/** The declared variables with `{data}` and `{package}` expanded: how a package is told where it may write. */
function childEnvOf(launch: PackageLaunch, given: Record<string, string>, dataDir: string, installDir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(declaredEnv(launch, given)).map(([k, v]) => [k, expandTokens(v, dataDir, installDir)]));
}

function denoArgs(installDir: string, dataDir: string, launch: PackageLaunch): string[] {
  const p = launch.permissions;
  const read = [installDir, ...p.read.map((r) => within(dataDir, r))];
  const write = p.write.map((w) => within(dataDir, w));
  // An empty list is left out: Deno reads `--allow-net=` with nothing after it as everything.
  const allow = (flag: string, values: string[]) => (values.length > 0 ? [`--allow-${flag}=${values.join(",")}`] : []);
  return ["run", "--no-prompt", ...allow("read", read), ...allow("write", write), ...allow("net", p.net), ...allow("env", p.env)];
}

function nodeArgs(installDir: string, dataDir: string, launch: PackageLaunch, permissionFlag: string): string[] {
  const p = launch.permissions;
  // One flag per path: Node ≥ 22.13 no longer splits a value on commas.
  return [
    permissionFlag,
    `--allow-fs-read=${installDir}`,
    ...p.read.map((r) => `--allow-fs-read=${within(dataDir, r)}`),
    ...p.write.map((w) => `--allow-fs-write=${within(dataDir, w)}`),
  ];
}

/**
 * The sandboxed command for a package installed in `installDir` with its data in `dataDir`;
 * `env` holds the operator's values, of which only the declared ones are passed.
 */
export function sandboxedTarget(installDir: string, dataDir: string, launch: PackageLaunch, env: Record<string, string>, runtimes: PackageRuntimes): PackageTarget {
  const entry = within(installDir, launch.entry);
  const childEnv = childEnvOf(launch, env, dataDir, installDir);
  const args = launch.args.map((a) => expandTokens(a, dataDir, installDir));
  if (launch.runtime === "deno") {
    if (!runtimes.deno) throw new SandboxError("runtime_unavailable", "this node has no Deno to run the package with");
    // Deno keeps its compiled-code cache here, outside what the package may touch itself.
    return { kind: "stdio", command: runtimes.deno.command, args: [...denoArgs(installDir, dataDir, launch), entry, ...args], env: { ...childEnv, DENO_DIR: within(dataDir, ".deno") }, cwd: dataDir, sandboxed: true };
  }
  if (!runtimes.node) throw new SandboxError("runtime_unavailable", "this node has no Node ≥ 20 with the permission model to run the package with");
  return { kind: "stdio", command: runtimes.node.command, args: [...nodeArgs(installDir, dataDir, launch, runtimes.node.permissionFlag), entry, ...args], env: childEnv, cwd: dataDir, sandboxed: true };
}

/** What a denied access looks like in a sandboxed child's output or a tool's error text. */
const DENIAL = /ERR_ACCESS_DENIED|Access to this API has been restricted|NotCapable|PermissionDenied|Requires (?:read|write|net|env|run|sys|ffi|import) access to/;

/** The denial in `text`, if it reports one (the first 300 characters from the match). */
export function sandboxDenial(text: string): string | undefined {
  const m = DENIAL.exec(text);
  return m ? text.slice(m.index, m.index + 300) : undefined;
}
