// The configuration file (docs/protocol.md §19.3): the operator's configuration as a document a
// person reads in review and a node applies. No secret travels in it: where an upstream needs one,
// the file names it (`{"secret": "NAME"}`) and the value is given when the file is applied.
import { z } from "zod";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { NODE_ID_PATTERN } from "../identity/node-id.ts";
import { packageName, packageVersion } from "../registry/package-entries.ts";
import { packagePermissions } from "../packages/launch.ts";

export const CONFIG_FORMAT = "mcpfed-config";
export const CONFIG_VERSION = 1;
/** The composite signature's context: a configuration signature means nothing anywhere else. */
export const CONFIG_SIGNING_CONTEXT = "mcpfed/config/v1";
/** A configuration is settings, not data: past this a file is not one. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Why a file was refused, before anything was planned or applied. */
export type ConfigRefusal = "malformed" | "unsupported_version" | "secret_value" | "bad_signature" | "untrusted_signer" | "too_large";

export class ConfigFileError extends Error {
  override name = "ConfigFileError";
  constructor(
    readonly reason: ConfigRefusal,
    message: string,
  ) {
    super(message);
  }
}

export const secretName = z.string().regex(/^[A-Z][A-Z0-9_]{0,127}$/, "upper-case letters, digits and _, starting with a letter");
/** Where a secret goes, by name only. */
export const secretRef = z.strictObject({ secret: secretName });
export type SecretRef = z.infer<typeof secretRef>;

const upstreamName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/);
const prefix = z.string().regex(/^[A-Za-z0-9_-]{0,32}$/);
const glob = z.string().min(1).max(300);
/** "strict": even a tool seen for the first time waits for the operator's approval. Absent: first use. */
const pins = z.literal("strict").optional();

const httpUpstream = z.strictObject({
  name: upstreamName,
  kind: z.literal("http"),
  url: z.url({ protocol: /^https?$/ }).max(2048),
  /** Header name → the secret its value is (Authorization for a bearer token). */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), secretRef).optional(),
  /** Absent: the upstream's name is the prefix. */
  prefix: prefix.optional(),
  perPrincipal: z.string().regex(/^(header:[A-Za-z0-9-]{1,64}|oauth)$/).optional(),
  pins,
});

const stdioUpstream = z.strictObject({
  name: upstreamName,
  kind: z.literal("stdio"),
  command: z.string().min(1).max(1024),
  args: z.array(z.string().max(4096)).max(64),
  /** Variable name → the secret its value is: every value of a child's environment is treated as one. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), secretRef).optional(),
  cwd: z.string().min(1).max(4096).optional(),
  prefix: prefix.optional(),
  pins,
});

export const configUpstream = z.discriminatedUnion("kind", [httpUpstream, stdioUpstream]);
export type ConfigUpstream = z.infer<typeof configUpstream>;

/** The operator's choices for one local tool, by its upstream and its name there. */
export const configTool = z.strictObject({
  upstream: upstreamName,
  tool: z.string().min(1).max(128),
  /** The name clients call it by. */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  hidden: z.boolean(),
  pinned: z.boolean(),
});
export type ConfigTool = z.infer<typeof configTool>;

/** A local tool shared in the registry (§7), by its entry key `<upstream>/<tool>[@label]`. */
export const configShare = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}\/[^@\s]{1,128}(@[A-Za-z0-9._-]{1,32})?$/),
  visibility: z.enum(["peers", "public"]),
  version: z.string().min(1).max(64),
  tags: z.array(z.string().min(1).max(64)).max(32),
  /** The ledger's pricing descriptor (§9), null when free; the node checks it when applying. */
  pricing: z.json(),
  cacheTtlSeconds: z.number().int().min(1).max(86_400).optional(),
  replicable: z.boolean().optional(),
});
export type ConfigShare = z.infer<typeof configShare>;

export const configRule = z.strictObject({
  priority: z.number().int().min(-1_000_000).max(1_000_000),
  action: z.enum(["call", "request"]),
  effect: z.enum(["allow", "deny", "grant"]),
  subjectKind: z.string().min(1).max(32).optional(),
  subjectId: glob.optional(),
  role: z.string().min(1).max(32).optional(),
  tag: z.string().min(1).max(100).optional(),
  upstream: glob.optional(),
  tool: glob.optional(),
  visibility: z.string().min(1).max(50).optional(),
  trustTier: z.string().min(1).max(32).optional(),
  ttlSeconds: z.number().int().min(1).max(30 * 86_400).optional(),
  note: z.string().max(500).optional(),
});
export type ConfigRule = z.infer<typeof configRule>;

export const configLimit = z.strictObject({
  subjectKind: z.string().min(1).max(32).optional(),
  subjectId: glob.optional(),
  tool: glob.optional(),
  windowSeconds: z.number().int().min(1).max(86_400),
  maxRequests: z.number().int().min(1).max(1_000_000_000).optional(),
  maxConcurrent: z.number().int().min(1).max(100_000).optional(),
});
export type ConfigLimit = z.infer<typeof configLimit>;

export const configPeer = z.strictObject({
  id: z.string().regex(/^[a-z2-7]{32}$/),
  url: z.url({ protocol: /^https?$/ }).max(2048),
  /** Absent: the peer's card name; "" lists its tools under their origin's names. */
  alias: z.string().regex(/^[A-Za-z0-9_-]{0,32}$/).optional(),
  state: z.enum(["active", "blocked"]),
});
export type ConfigPeer = z.infer<typeof configPeer>;

/**
 * An installed package (§18), by the upstream it serves as: the versions held, the one in use, the
 * operator's range for `update`, the values of its declared variables (a secret by name only), and
 * the permissions its version in use declares, written out so a reviewer sees what the file grants.
 */
export const configPackage = z.strictObject({
  upstream: upstreamName,
  name: packageName,
  origin: z.string().regex(new RegExp(`^${NODE_ID_PATTERN}$`)),
  versions: z.array(packageVersion).min(1).max(64),
  active: packageVersion.nullable(),
  range: z.string().min(1).max(256).optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string().max(8192), secretRef])).optional(),
  permissions: packagePermissions,
});
export type ConfigPackage = z.infer<typeof configPackage>;

const MAX_ITEMS = 4096;
export const configBody = z.strictObject({
  upstreams: z.array(configUpstream).max(MAX_ITEMS),
  tools: z.array(configTool).max(MAX_ITEMS * 4),
  shares: z.array(configShare).max(MAX_ITEMS),
  policy: z.array(configRule).max(MAX_ITEMS),
  limits: z.array(configLimit).max(MAX_ITEMS),
  peers: z.array(configPeer).max(MAX_ITEMS),
  /** Absent in files written before packages were configuration: read as none. */
  packages: z.array(configPackage).max(MAX_ITEMS).optional(),
});
export type ConfigBody = z.infer<typeof configBody>;
export type ConfigArea = keyof ConfigBody;
/** The order a node applies the areas in: an upstream before its tools and shares; packages last, as their origins are peers. */
export const CONFIG_AREAS: readonly ConfigArea[] = ["upstreams", "tools", "shares", "policy", "limits", "peers", "packages"];

export const unsignedConfig = z.strictObject({
  format: z.literal(CONFIG_FORMAT),
  version: z.literal(CONFIG_VERSION),
  nodeId: z.string().regex(/^[a-z2-7]{32}$/),
  /** The composite public key that signed it, base64url. */
  signingKey: z.string().regex(/^[A-Za-z0-9_-]+$/).max(4096),
  /** Seconds since the epoch. */
  created: z.number().int().min(0),
  config: configBody,
});
export type UnsignedConfig = z.infer<typeof unsignedConfig>;

export const configFile = unsignedConfig.extend({ signature: z.string().regex(/^[A-Za-z0-9_-]+$/).max(8192) });
export type ConfigFile = z.infer<typeof configFile>;

/** Names an item across nodes: by name or id where it has one, else by its whole content (rules, limits). */
export function itemKey(area: ConfigArea, item: object): string {
  switch (area) {
    case "upstreams":
      return (item as ConfigUpstream).name;
    case "tools":
      return `${(item as ConfigTool).upstream}/${(item as ConfigTool).tool}`;
    case "shares":
      return (item as ConfigShare).key;
    case "peers":
      return (item as ConfigPeer).id;
    case "packages":
      return (item as ConfigPackage).upstream;
    default:
      return canonicalJson(item);
  }
}
