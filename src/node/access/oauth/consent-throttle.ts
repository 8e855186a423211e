// Wrong consent passphrases, counted per source and per client under a node-wide ceiling, so that
// a flood locks out its own source rather than the operator. Counts live in the store, so they
// hold across processes.
import type { RateLimiter } from "../limits/limiter.ts";
import { sourceOf } from "../limits/source.ts";

const CONSENT_LIMITS = {
  windowSeconds: 900,
  /** Wrong passphrases from one source (address, or IPv6 /64) before it is locked out. */
  perSource: 10,
  /** Wrong passphrases for one client before strangers are locked out of its consent. */
  perClient: 10,
  /** Wrong passphrases node-wide past which only sources that have not failed may try. */
  global: 100,
  /** How long a source that got the passphrase right passes the client and node-wide locks. */
  trustSeconds: 86_400,
} as const;

export type ConsentLock = "source" | "client" | "node";

export class ConsentThrottle {
  constructor(private readonly limits: RateLimiter) {}

  #keys(address: string, clientId: string) {
    const source = sourceOf(address);
    return {
      source: `oauth:consent-failures:source:${source}`,
      client: `oauth:consent-failures:client:${clientId}`,
      node: "oauth:consent-failures",
      trusted: `oauth:consent-ok:source:${source}`,
    };
  }

  /** Which lock, if any, keeps `address` from trying a passphrase for `clientId` now. */
  async lockFor(address: string, clientId: string): Promise<ConsentLock | undefined> {
    const k = this.#keys(address, clientId);
    const { windowSeconds: w } = CONSENT_LIMITS;
    const [source, client, node, trusted] = await Promise.all([
      this.limits.peek(k.source, w),
      this.limits.peek(k.client, w),
      this.limits.peek(k.node, w),
      this.limits.peek(k.trusted, CONSENT_LIMITS.trustSeconds),
    ]);
    if (source >= CONSENT_LIMITS.perSource) return "source";
    if (trusted > 0) return undefined;
    if (client >= CONSENT_LIMITS.perClient) return "client";
    // Past the ceiling, a source that has not failed still gets its try: a flood from many
    // addresses slows to one guess per address instead of locking everyone out.
    if (node >= CONSENT_LIMITS.global && source > 0) return "node";
    return undefined;
  }

  async failed(address: string, clientId: string): Promise<void> {
    const k = this.#keys(address, clientId);
    const w = CONSENT_LIMITS.windowSeconds;
    await Promise.all([this.limits.count(k.source, w), this.limits.count(k.client, w), this.limits.count(k.node, w)]);
  }

  async succeeded(address: string): Promise<void> {
    await this.limits.count(this.#keys(address, "").trusted, CONSENT_LIMITS.trustSeconds);
  }
}
