// Redaction by value: every secret value this process has opened is masked wherever it shows up in
// text the node hands out (error messages, log lines, admin answers, tool results), whatever shape
// the text has. Modules that open a secret register it here before using it.

/** Shorter values are not registered: masking every "abc" in every text would say nothing useful. */
export const MIN_SECRET_LENGTH = 4;
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

  /** Registers a secret value; values shorter than MIN_SECRET_LENGTH are left out. */
  add(value: string): void {
    for (const f of forms(value)) {
      if (f.length < MIN_SECRET_LENGTH || this.#values.has(f)) continue;
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

  /** A JSON value with every string in it (keys included) redacted; the same value when nothing matched. */
  redactJson<T>(value: T): T {
    const re = this.#regex();
    if (!re || !this.#appearsIn(JSON.stringify(value) ?? "", re)) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === "string") return this.redact(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.redact(k), walk(x)]));
      return v;
    };
    return walk(value) as T;
  }

  #appearsIn(text: string, re: RegExp): boolean {
    re.lastIndex = 0;
    return re.test(text);
  }
}

/**
 * The secret values this process or isolate has opened. One per process: log lines are written
 * from everywhere, and a value masked that belonged to another node of the same process hides
 * nothing that should be seen.
 */
export const liveSecrets = new Redactor();
