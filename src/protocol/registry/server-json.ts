// Import from the official MCP registry's `server.json` (protocol §18.1, "Import"): the first npm
// package with a stdio transport becomes a package entry's artifact and launch. What server.json
// does not say (the npm integrity, the script npm's `bin` names, the tools) the importer supplies
// from the npm registry and from running the package once.
import { z } from "zod";
import { isSemver } from "./semver.ts";
import { packageBody, type PackageBody, type PackageTool } from "./package-entries.ts";
import type { PackageLaunch } from "../packages/launch.ts";

const input = {
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  format: z.string().optional(),
  value: z.string().optional(),
  default: z.string().optional(),
};

const argument = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("positional"), valueHint: z.string().optional(), ...input }),
  z.looseObject({ type: z.literal("named"), name: z.string().min(1).max(256), ...input }),
]);

const serverPackage = z.looseObject({
  registryType: z.string(),
  registryBaseUrl: z.string().optional(),
  identifier: z.string().min(1).max(214),
  version: z.string().max(64).optional(),
  transport: z.looseObject({ type: z.string() }),
  runtimeHint: z.string().optional(),
  packageArguments: z.array(argument).max(64).optional(),
  environmentVariables: z.array(z.looseObject({ name: z.string(), ...input })).max(64).optional(),
});

/** The fields of server.json (schema 2025-09-29) an import reads; the rest is passed over. */
export const serverJson = z.looseObject({
  name: z.string().min(3).max(200),
  description: z.string().max(1024).optional(),
  version: z.string().max(64),
  packages: z.array(serverPackage).max(32).optional(),
});
export type ServerJson = z.infer<typeof serverJson>;

export class ServerJsonError extends Error {
  override name = "ServerJsonError";
}

/** The npm package an import installs: the first npm package served over stdio. */
export function npmPackageOf(doc: ServerJson): { identifier: string; version: string } {
  const p = doc.packages?.find((x) => x.registryType === "npm" && x.transport.type === "stdio");
  if (!p) throw new ServerJsonError("server.json lists no npm package with a stdio transport");
  const version = p.version ?? doc.version;
  if (!isSemver(version)) throw new ServerJsonError(`the npm package's version ${version} is not an exact semantic version`);
  return { identifier: p.identifier, version };
}

export interface ImportedFacts {
  /** npm's `dist.integrity` for the exact version. */
  integrity: string;
  /** The script npm's `bin` (or `main`) names, relative to the package root. */
  entry: string;
  tools: PackageTool[];
  licence: string;
  previous: string | null;
}

/** The package entry body server.json describes, with the facts it leaves out. */
export function packageFromServerJson(doc: ServerJson, facts: ImportedFacts): PackageBody {
  const npm = npmPackageOf(doc);
  const p = doc.packages!.find((x) => x.identifier === npm.identifier)!;
  const args: string[] = [];
  for (const a of p.packageArguments ?? []) {
    const value = a.value ?? a.default;
    if (a.type === "named") args.push(a.name, ...(value !== undefined ? [value] : []));
    else if (value !== undefined) args.push(value);
    else if (a.isRequired) throw new ServerJsonError(`positional argument ${a.valueHint ?? ""} has no value to start with`);
  }
  const env = (p.environmentVariables ?? []).map((v) => ({
    name: v.name,
    description: v.description ?? "",
    required: v.isRequired ?? false,
    secret: v.isSecret ?? false,
  }));
  const launch: PackageLaunch = {
    runtime: "node",
    entry: facts.entry,
    args,
    env,
    permissions: { net: [], read: [], write: [], env: env.map((v) => v.name) },
  };
  const body = packageBody.safeParse({
    // The registry name's last segment (io.github.org/server-x → server-x), as npm spells it.
    name: doc.name.slice(doc.name.lastIndexOf("/") + 1).toLowerCase(),
    version: npm.version,
    description: doc.description ?? "",
    previous: facts.previous,
    artifact: { type: "npm", name: npm.identifier, version: npm.version, integrity: facts.integrity },
    launch,
    tools: facts.tools,
    licence: { id: facts.licence },
  });
  if (!body.success) {
    const issue = body.error.issues[0];
    throw new ServerJsonError(`the imported entry is not valid: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}`);
  }
  return body.data;
}
