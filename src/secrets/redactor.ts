// Redaction by value: every secret value this process has opened is masked wherever it shows up in
// text the node hands out (error messages, log lines, admin answers, tool results), whatever shape
// the text has. Modules that open a secret register it here before using it.

/**
 * Values that cannot be told from ordinary text are not registered: shorter than this, or made of
 * one kind of character ("production", "12345678"). Masking them everywhere would garble answers
 * and hide nothing worth hiding; a credential mixes letters with digits or symbols.
 */
export const MIN_SECRET_LENGTH = 8;

function secretLike(v: string): boolean {
  if (v.length < MIN_SECRET_LENGTH) return false;
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  return kinds >= 2;
}
export const REDACTED = "[redacted]";

/** "Bearer <token>", "Basic <credentials>"...: an echo often carries the credential alone. */
const AUTH_SCHEME = /^(?:Bearer|Basic|Token|Bot|DPoP|ApiKey|Key|OAuth|Digest|Negotiate)\s+(\S+)$/i;

/** The forms a value is likely echoed in: as is, URL-encoded, JSON-escaped, and a scheme's credential alone. */
function forms(value: string): string[] {
  const escaped = (v: string) => [v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)];
  const credential = AUTH_SCHEME.exec(value)?.[1];
  return [...escaped(value), ...(credential ? escaped(credential) : [])];
}

export class Redactor {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;

  /** Registers a secret value; values that do not look like one (see secretLike) are left out. */
  add(value: string): void {
    for (const f of forms(value)) {
      if (!secretLike(f) || this.#values.has(f)) continue;
      this.#values.add(f);
      this.#pattern = undefined;
    }
  }

  #regex(): RegExp | undefined {
    if (this.#values.size === 0) return undefined;
    // Longest first, so a value that contains another is masked whole.
    const alternatives = [...this.#values].sort((a, b) => b.length - a.length).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return (this.#pattern ??= new RegExp(alternatives.join("|"), "g"));
  }

  redact(text: string): string {
    const re = this.#regex();
    return re ? text.replace(re, REDACTED) : text;
  }

  /**
   * A JSON value with every string in it redacted; the same value when nothing matched. Keys are
   * left alone: rewriting them could merge two keys into one.
   */
  redactJson<T>(value: T): T {
    if (!this.foundIn(JSON.stringify(value) ?? "")) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === "string") return this.redact(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value) as T;
  }

  /** Whether a registered value appears in `text`; false at once while none is registered. */
  foundIn(text: string): boolean {
    const re = this.#regex();
    if (!re) return false;
    re.lastIndex = 0;
    return re.test(text);
  }

  get holdsNone(): boolean {
    return this.#values.size === 0;
  }
}

/**
 * The secret values this process or isolate has opened. One per process: log lines are written
 * from everywhere, and a value masked that belonged to another node of the same process hides
 * nothing that should be seen.
 */
export const liveSecrets = new Redactor();
