// What this node offers to others' calls (ROUTES_OFFER) and how many it takes (ROUTE_RATE_LIMITS).
// The counts are per process or isolate, in fixed one-minute windows, like the federation routes'
// per-source count: a store write on every forwarded request would sit on its critical path.
import { ROLE_FEATURES, type RouteRole } from "../../protocol/routes/roles.ts";
import { WindowCounter } from "../access/limits/window-counter.ts";
import type { Config } from "../settings/config.ts";

/** The key under which a role's requests are counted in total, beside their per-key counts. */
export const TOTAL = "*";

export class RouteOffer {
  constructor(private readonly config: Pick<Config, "routesOffer">) {}

  offers(role: RouteRole): boolean {
    return this.config.routesOffer.includes(role);
  }

  /** The card features of the roles offered. */
  features(): string[] {
    return this.config.routesOffer.map((r) => ROLE_FEATURES[r]);
  }
}

export class RouteLimits {
  readonly #counters = new Map<RouteRole, WindowCounter>();

  constructor(config: Pick<Config, "routeRateLimits">, now: () => number = Date.now) {
    for (const [role, max] of config.routeRateLimits) this.#counters.set(role, new WindowCounter(max, 60, now));
  }

  /**
   * Counts one request of `role` under `key` (the authenticated predecessor where one is known,
   * else the source address; `TOTAL` for the role's total); the seconds to wait when over the limit.
   */
  over(role: RouteRole, key: string): number | undefined {
    return this.#counters.get(role)?.over(key);
  }
}
