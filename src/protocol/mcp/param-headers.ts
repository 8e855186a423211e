// SEP-2243 (MCP 2026-07-28, Streamable HTTP): a tool's inputSchema may mark a primitive property
// with `x-mcp-header: <Name>`; a client mirrors the argument as an `Mcp-Param-<Name>` request header
// (as `=?base64?<payload>?=` where the value is not header-safe), and a server must reject a call
// whose headers and arguments disagree. The rule is pure: a schema, the arguments, the headers.

const HEADER_KEY = "x-mcp-header";
export const PARAM_HEADER_PREFIX = "Mcp-Param-";
/** RFC 9110 token: what may follow the prefix in a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVES = new Set(["string", "integer", "number", "boolean"]);
const SENTINEL_START = "=?base64?";
const SENTINEL_END = "?=";
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
/** A schema from an upstream is a stranger's: its walk stops this deep. */
const MAX_DEPTH = 16;

/** One argument a tool mirrors into a header: where it sits in the arguments, and the header's name. */
export interface ParamHeader {
  path: string[];
  header: string;
  type: string;
}

/** The calls' headers and arguments disagree: the header concerned and what is wrong. */
export interface ParamHeaderMismatch {
  header: string;
  reason: "missing" | "invalid_encoding" | "mismatch";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The header-mirrored arguments a tool's inputSchema declares, found along chains of `properties`
 * (the only place the SEP admits them). A malformed declaration is not one: no header is expected for it.
 */
export function paramHeaders(inputSchema: unknown): ParamHeader[] {
  const found: ParamHeader[] = [];
  const visit = (schema: unknown, path: string[]) => {
    if (!isObject(schema) || path.length > MAX_DEPTH) return;
    const name = schema[HEADER_KEY];
    if (path.length > 0 && typeof name === "string" && TOKEN.test(name) && typeof schema.type === "string" && PRIMITIVES.has(schema.type)) {
      found.push({ path, header: name, type: schema.type });
    }
    if (isObject(schema.properties)) for (const [key, child] of Object.entries(schema.properties)) visit(child, [...path, key]);
  };
  visit(inputSchema, []);
  return found;
}

/** A header's value as the client meant it: the sentinel's payload decoded, else the value as it is. Undefined: a sentinel that is not canonical Base64 of UTF-8. */
export function decodeParamHeader(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_START) && value.endsWith(SENTINEL_END)) || value.length < SENTINEL_START.length + SENTINEL_END.length) return value;
  const payload = value.slice(SENTINEL_START.length, value.length - SENTINEL_END.length);
  if (!CANONICAL_BASE64.test(payload)) return undefined;
  const bytes = Uint8Array.from(atob(payload), (ch) => ch.charCodeAt(0));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The text a primitive argument is mirrored as; undefined for anything that is not mirrored. */
function asHeaderText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function at(root: unknown, path: string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * Checks each declared header against the call's arguments: an argument that is present (not null)
 * needs its header, decoding to the same value (numbers compared as numbers); an absent argument
 * expects no header. `header` reads a request header by name, case-insensitively, its value trimmed.
 */
export function checkParamHeaders(
  declared: readonly ParamHeader[],
  args: unknown,
  header: (name: string) => string | undefined,
): ParamHeaderMismatch | undefined {
  for (const d of declared) {
    const name = `${PARAM_HEADER_PREFIX}${d.header}`;
    const value = at(args, d.path);
    const text = asHeaderText(value);
    if (text === undefined) continue;
    const raw = header(name);
    if (raw === undefined) return { header: name, reason: "missing" };
    const decoded = decodeParamHeader(raw);
    if (decoded === undefined) return { header: name, reason: "invalid_encoding" };
    const same = typeof value === "number" && DECIMAL.test(decoded) ? Number(decoded) === value : decoded === text;
    if (!same) return { header: name, reason: "mismatch" };
  }
  return undefined;
}
