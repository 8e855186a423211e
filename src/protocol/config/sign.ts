// Signing, printing and opening the configuration file (docs/protocol.md §19.3). The signature is
// over the RFC 8785 form of the document without `signature`, so how the file is indented does not
// matter; the printed form keeps one item per line so that a review diff shows one line a change.
import { canonicalJson } from "../encoding/canonical-json.ts";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import {
  CONFIG_AREAS,
  CONFIG_SIGNING_CONTEXT,
  CONFIG_VERSION,
  ConfigFileError,
  configFile,
  MAX_CONFIG_BYTES,
  type ConfigFile,
  type UnsignedConfig,
} from "./file.ts";

export interface ConfigSigner {
  sign(message: Uint8Array, context: string): Promise<Uint8Array>;
}

/** What a document's signature covers: the canonical JSON of everything but `signature`. */
export function configSigningInput(doc: UnsignedConfig): Uint8Array {
  return utf8(canonicalJson(doc));
}

export async function signConfig(doc: UnsignedConfig, signer: ConfigSigner): Promise<ConfigFile> {
  return { ...doc, signature: toBase64url(await signer.sign(configSigningInput(doc), CONFIG_SIGNING_CONTEXT)) };
}

/** The file's text: keys in canonical order, each area's items one to a line. */
export function printConfig(file: ConfigFile): string {
  const area = (name: string, items: unknown[]) =>
    items.length === 0 ? `    ${JSON.stringify(name)}: []` : `    ${JSON.stringify(name)}: [\n${items.map((i) => `      ${canonicalJson(i)}`).join(",\n")}\n    ]`;
  // An optional area the file leaves out stays out: the signature covers the document as written.
  const areas = [...CONFIG_AREAS].sort().flatMap((a) => (file.config[a] === undefined ? [] : [area(a, file.config[a])]));
  const top = (k: keyof ConfigFile) => `  ${JSON.stringify(k)}: ${canonicalJson(file[k])}`;
  return `{\n  "config": {\n${areas.join(",\n")}\n  },\n${(["created", "format", "nodeId", "signature", "signingKey", "version"] as const).map(top).join(",\n")}\n}\n`;
}

/** Any value where a secret's name belongs: a secret written into the file by hand. */
function secretValuePath(raw: unknown): string | undefined {
  const upstreams = (raw as { config?: { upstreams?: unknown } } | null)?.config?.upstreams;
  if (!Array.isArray(upstreams)) return undefined;
  for (const [i, u] of upstreams.entries()) {
    if (!u || typeof u !== "object") continue;
    if ("bearerToken" in u) return `config.upstreams.${i}.bearerToken`;
    for (const field of ["headers", "env"] as const) {
      const values = (u as Record<string, unknown>)[field];
      if (!values || typeof values !== "object") continue;
      for (const [k, v] of Object.entries(values)) if (typeof v !== "object" || v === null) return `config.upstreams.${i}.${field}.${k}`;
    }
  }
  return undefined;
}

export interface OpenConfigOptions {
  /** Verifies a composite signature under the base64url public key; false for a malformed key. */
  verify(signingKey: string, signature: Uint8Array, message: Uint8Array, context: string): Promise<boolean>;
  /** Whether this node applies files signed by this key (its own, or one the operator named). */
  trusts(signingKey: string): Promise<boolean>;
}

/**
 * The file, every check passed in order: size, JSON, version, no secret value, shape, signature,
 * a trusted signer. Throws a ConfigFileError with the first that fails.
 */
export async function openConfig(text: string, o: OpenConfigOptions): Promise<ConfigFile> {
  if (utf8(text).length > MAX_CONFIG_BYTES) throw new ConfigFileError("too_large", `a configuration file is at most ${MAX_CONFIG_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigFileError("malformed", "the file is not JSON");
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== undefined && version !== CONFIG_VERSION) throw new ConfigFileError("unsupported_version", `configuration format version ${JSON.stringify(version)}; this node reads ${CONFIG_VERSION}`);
  const secret = secretValuePath(raw);
  if (secret) throw new ConfigFileError("secret_value", `${secret} holds a value: a configuration file names secrets ({"secret": "NAME"}) and never carries them`);
  const parsed = configFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigFileError("malformed", `the file does not match the format: ${issue?.path.join(".")} ${issue?.message}`);
  }
  const { signature, ...doc } = parsed.data;
  let sig: Uint8Array;
  try {
    sig = fromBase64url(signature);
  } catch {
    throw new ConfigFileError("malformed", "the signature is not base64url");
  }
  if (!(await o.verify(doc.signingKey, sig, configSigningInput(doc), CONFIG_SIGNING_CONTEXT))) {
    throw new ConfigFileError("bad_signature", "the signature does not match the file (altered, or not signed by its signingKey)");
  }
  if (!(await o.trusts(doc.signingKey))) {
    throw new ConfigFileError("untrusted_signer", `signed by node ${doc.nodeId}, whose key this node does not trust: apply it with --trust-signer ${doc.nodeId} if you mean to`);
  }
  return parsed.data;
}
