// A package's npm dependencies, installed by the npm CLI (docs/security.md, "What npm fetches").
// npm's own connections do not pass the outbound guard, so what it may reach is narrowed: only
// registry ranges (no git, URL, file or alias specs, which would name other hosts or paths), no
// .npmrc of the package's own (it could set a proxy or another registry), the registry named on
// the command line (NPM_REGISTRY_URL, whose addresses are checked as the guard checks a URL's),
// reached only through a loopback proxy that dials those checked addresses, and never an install
// script.
import { execFile } from "node:child_process";
import dns from "node:dns/promises";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import semver from "semver";
import { assertPublicAddresses } from "../node/outbound/ssrf.ts";
import { startRegistryProxy, type PinnedRegistry } from "./npm-registry-proxy.ts";

const run = promisify(execFile);
/** How long installing the dependencies may take. */
const NPM_TIMEOUT_MS = 300_000;
/** The fields npm installs from (peers too, since npm 7). */
const FIELDS = ["dependencies", "optionalDependencies", "peerDependencies"] as const;
const DIST_TAG = /^[a-z][a-z0-9._-]{0,63}$/;

export interface NpmSettings {
  /** NPM_REGISTRY_URL: the one registry npm is pointed at. */
  registry: string;
  /** ALLOW_PRIVATE_URLS: the registry may then be on a private address (a local mirror). */
  allowPrivate: boolean;
}

/** Reported as the archive's refusal (`unsafe_archive`): the package asks for what may not be fetched. */
export class UnsafeDependencyError extends Error {
  override name = "UnsafeArchiveError";
}

/** Why a package.json's dependencies may not be installed, or undefined: each must be a registry range or dist-tag. */
export function dependencyProblem(manifest: unknown): string | undefined {
  const pkg = (manifest ?? {}) as Record<string, unknown>;
  for (const field of FIELDS) {
    const deps = pkg[field];
    if (deps === undefined) continue;
    if (!deps || typeof deps !== "object" || Array.isArray(deps)) return `${field} is not an object`;
    for (const [name, spec] of Object.entries(deps)) {
      if (typeof spec !== "string") return `${field}.${name} is not a string`;
      if (spec !== "" && semver.validRange(spec) === null && !DIST_TAG.test(spec)) {
        return `${field}.${name}: ${JSON.stringify(spec)} is not a registry version range (git, URL, file and alias specs are refused)`;
      }
    }
  }
  return undefined;
}

function dependencyCount(manifest: Record<string, unknown>): number {
  return FIELDS.reduce((n, f) => n + Object.keys((manifest[f] as object | undefined) ?? {}).length, 0);
}

/** The registry and its addresses, refused unless http(s) and (without allowPrivate) resolving to public addresses only. */
async function checkedRegistry(npm: NpmSettings): Promise<PinnedRegistry> {
  let url: URL;
  try {
    url = new URL(npm.registry);
  } catch {
    throw new UnsafeDependencyError(`NPM_REGISTRY_URL is not a URL: ${npm.registry}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UnsafeDependencyError(`the npm registry must be http(s), not ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = (await dns.lookup(host, { all: true })).map((a) => a.address);
    if (!npm.allowPrivate) assertPublicAddresses(host, addresses);
  } catch (err) {
    throw new UnsafeDependencyError(`the npm registry ${url.host}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { url, addresses };
}

/** The environment npm runs in: without proxy settings of the node's own, which would take npm around ours. */
function npmEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(https?_proxy|no_proxy|npm_config_(https_)?proxy|npm_config_noproxy|npm_config_registry)$/i.test(k)));
}

/** `npm install --omit=dev --ignore-scripts --registry=<checked>` in `root`, after every check above. */
export async function installDependencies(root: string, npm: NpmSettings): Promise<void> {
  const file = join(root, "package.json");
  if (!existsSync(file)) return;
  const manifest = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  if (dependencyCount(manifest) === 0) return;
  const problem = dependencyProblem(manifest);
  if (problem) throw new UnsafeDependencyError(problem);
  if (existsSync(join(root, ".npmrc"))) throw new UnsafeDependencyError("the package carries its own .npmrc: npm's settings are the node's");
  const registry = await checkedRegistry(npm);
  const proxy = await startRegistryProxy(registry);
  try {
    await run(
      "npm",
      ["install", "--omit=dev", "--ignore-scripts", `--registry=${registry.url.href}`, `--proxy=${proxy.url}`, `--https-proxy=${proxy.url}`, "--noproxy=", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"],
      { cwd: root, timeout: NPM_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, env: npmEnvironment() },
    );
  } catch (err) {
    if (proxy.refused.length > 0) throw new UnsafeDependencyError(`npm was sent to ${proxy.refused[0]}, which is not the registry ${registry.url.host}`);
    throw err;
  } finally {
    await proxy.close();
  }
}
