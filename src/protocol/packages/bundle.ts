// An MCP bundle (`.mcpb`, protocol §18.2): a zip whose `manifest.json` says how its server starts.
// Only what the node acts on is read (the rest of the manifest is the bundle format's business);
// the server is mapped to the same launch an npm package or a tarball has, so it runs in the same
// sandbox. Only `type: "node"` runs here: the node controls that runtime, not a Python or a binary.
import { z } from "zod";
import { PACKAGE_TOKEN, packageLaunch, type PackageEnvVar, type PackageLaunch } from "./launch.ts";

/** The server types this node runs. */
export const BUNDLE_SERVER_TYPES = ["node"] as const;
/** The manifest versions of the bundle format read here (`manifest_version`, or the older `dxt_version`). */
export const BUNDLE_MANIFEST_VERSIONS = ["0.1", "0.2", "0.3", "0.4"] as const;
/** Where the manifest lies in the zip. */
export const BUNDLE_MANIFEST = "manifest.json";

const userConfigOption = z.looseObject({
  type: z.enum(["string", "number", "boolean", "directory", "file"]),
  title: z.string().max(256),
  description: z.string().max(1024),
  required: z.boolean().optional(),
  default: z.union([z.string().max(4096), z.number(), z.boolean(), z.array(z.string().max(4096)).max(64)]).optional(),
  multiple: z.boolean().optional(),
  sensitive: z.boolean().optional(),
});

export const bundleManifest = z
  .looseObject({
    manifest_version: z.enum(BUNDLE_MANIFEST_VERSIONS).optional(),
    dxt_version: z.enum(BUNDLE_MANIFEST_VERSIONS).optional(),
    name: z.string().min(1).max(214),
    version: z.string().min(1).max(64),
    description: z.string().max(4096),
    server: z.looseObject({
      /** Any string here, so that an unsupported type gets its own refusal rather than a schema error. */
      type: z.string().max(32),
      entry_point: z.string().min(1).max(512),
      mcp_config: z.looseObject({
        command: z.string().max(1024),
        args: z.array(z.string().max(1024)).max(64).default([]),
        env: z.record(z.string().max(128), z.string().max(4096)).default({}),
      }),
    }),
    user_config: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), userConfigOption).default({}),
  })
  .refine((m) => m.manifest_version !== undefined || m.dxt_version !== undefined, { message: "states no manifest_version", path: ["manifest_version"] });
export type BundleManifest = z.infer<typeof bundleManifest>;

export type BundleRefusal = "bundle_malformed" | "unsupported_server_type" | "unsupported_bundle";

export class BundleError extends Error {
  override name = "BundleError";
  constructor(
    readonly code: BundleRefusal,
    message: string,
  ) {
    super(message);
  }
}

const DIRNAME = "${__dirname}";
const USER_CONFIG = /^\$\{user_config\.([A-Za-z0-9_-]{1,64})\}$/;

/** The manifest in `text`, checked; a `bundle_malformed` refusal naming the first problem otherwise. */
export function parseBundleManifest(text: string): BundleManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BundleError("bundle_malformed", `${BUNDLE_MANIFEST} is not JSON`);
  }
  const m = bundleManifest.safeParse(json);
  if (!m.success) {
    const issue = m.error.issues[0]!;
    throw new BundleError("bundle_malformed", `${BUNDLE_MANIFEST}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return m.data;
}

/** `${__dirname}` at the start of a value becomes `{package}`; any other variable is refused. */
function substituted(value: string, where: string): string {
  const v = value.startsWith(DIRNAME) ? PACKAGE_TOKEN + value.slice(DIRNAME.length) : value;
  const other = /\$\{[^}]*\}/.exec(v);
  if (other) throw new BundleError("unsupported_bundle", `${where}: ${other[0]} is not supported (only ${DIRNAME} at the start, and a whole value \${user_config.<key>} in env)`);
  return v;
}

/** A default the sandbox can pass as is: a scalar without variables other than `${__dirname}`. */
function defaultOf(value: unknown): string | undefined {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return undefined;
  try {
    return substituted(String(value), "");
  } catch {
    // A default naming the user's folders (${HOME}, ${DOCUMENTS}) means nothing on a node: the operator gives the value.
    return undefined;
  }
}

/**
 * The launch of a bundle's server (§18.2): `node` runs `entry_point`, the first argument of
 * `mcp_config` (`${__dirname}/<entry_point>`); the other arguments follow it; each `mcp_config.env`
 * variable is declared, a `${user_config.<key>}` one with that option's description, `required`
 * and `sensitive` (a secret, sealed at rest), a literal one as its default. Nothing may be read
 * beyond those variables, and the bundle's files are the package's: permissions start empty.
 */
export function bundleLaunch(m: BundleManifest): PackageLaunch {
  const server = m.server;
  if (!(BUNDLE_SERVER_TYPES as readonly string[]).includes(server.type)) {
    throw new BundleError("unsupported_server_type", `the bundle's server is of type ${server.type}: this node runs bundles of type ${BUNDLE_SERVER_TYPES.join(", ")} only`);
  }
  const { command, args, env } = server.mcp_config;
  if (command !== "node") throw new BundleError("unsupported_bundle", `mcp_config.command is ${command}: a node bundle is started by node`);
  const entry = server.entry_point.replace(/^\.\//, "");
  const [first, ...rest] = args;
  if (first === undefined || ![`${DIRNAME}/${entry}`, entry, `./${entry}`].includes(first)) {
    throw new BundleError("unsupported_bundle", `mcp_config.args must start with ${DIRNAME}/${entry} (the entry point), not ${first ?? "nothing"}`);
  }
  const declared: PackageEnvVar[] = Object.entries(env).map(([name, value]) => {
    const ref = USER_CONFIG.exec(value);
    if (!ref) {
      const fixed = substituted(value, `mcp_config.env.${name}`);
      return { name, description: "", required: false, secret: false, default: fixed };
    }
    const option = m.user_config[ref[1]!];
    if (!option) throw new BundleError("bundle_malformed", `mcp_config.env.${name} names user_config.${ref[1]}, which the manifest does not declare`);
    const fallback = defaultOf(option.default);
    return { name, description: (option.description || option.title).slice(0, 512), required: option.required === true && fallback === undefined, secret: option.sensitive === true, ...(fallback !== undefined ? { default: fallback } : {}) };
  });
  const launch = packageLaunch.safeParse({
    runtime: "node",
    entry,
    args: rest.map((a, i) => substituted(a, `mcp_config.args[${i + 1}]`)),
    env: declared,
  });
  if (!launch.success) {
    const issue = launch.error.issues[0]!;
    throw new BundleError("bundle_malformed", `the server's launch: ${issue.path.join(".")}: ${issue.message}`);
  }
  return launch.data;
}
