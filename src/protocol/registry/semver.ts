// Semantic Versioning 2.0.0: parsing and precedence, so the catalog can show a tool's newest
// version. Written from the specification (semver.org), section 11 for precedence.

interface Semver {
  core: [number, number, number];
  /** Dot-separated pre-release identifiers; empty for a release. */
  pre: (number | string)[];
}

const SHAPE = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;
const NUMERIC = /^\d+$/;
const IDENT = /^[0-9A-Za-z-]+$/;

function noLeadingZero(digits: string): boolean {
  return digits === "0" || !digits.startsWith("0");
}

export function parseSemver(text: string): Semver | undefined {
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const [, major, minor, patch, pre, build] = m;
  const core = [major!, minor!, patch!];
  if (!core.every(noLeadingZero) || core.some((d) => !Number.isSafeInteger(Number(d)))) return undefined;
  const preIds = pre === undefined ? [] : pre.split(".");
  if (!preIds.every((id) => IDENT.test(id) && (!NUMERIC.test(id) || noLeadingZero(id)))) return undefined;
  if (build !== undefined && !build.split(".").every((id) => IDENT.test(id))) return undefined;
  return {
    core: core.map(Number) as [number, number, number],
    pre: preIds.map((id) => (NUMERIC.test(id) ? Number(id) : id)),
  };
}

export function isSemver(text: string): boolean {
  return parseSemver(text) !== undefined;
}

function compareIdent(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  // Numeric identifiers rank below alphanumeric ones.
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Precedence: negative when a < b. Build metadata does not count, so 1.0.0+a equals 1.0.0+b. */
export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) throw new RangeError(`not a semantic version: ${!x ? a : b}`);
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i]! - y.core[i]!;
  // A release outranks its pre-releases.
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const c = compareIdent(x.pre[i]!, y.pre[i]!);
    if (c !== 0) return c;
  }
  return x.pre.length - y.pre.length;
}
