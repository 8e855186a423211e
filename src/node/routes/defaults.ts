// Each principal's default route (the operator's: `mcpfed route default`, /admin/routes/defaults).
// Read on every relayed call, so a short per-isolate cache spares the store; an operator's change
// in another process shows within that time.
import type { RouteRequest } from "../../protocol/routes/roles.ts";
import type { Database } from "../../store/database.ts";
import { clearRouteDefault, listRouteDefaults, routeDefaultOf, setRouteDefault, type RouteDefault } from "../../store/route-defaults.ts";

const KEEP_MS = 2000;
/** Principals whose default is kept at once; beyond it the oldest goes. */
const MAX_KEPT = 1024;

export class RouteDefaults {
  readonly #kept = new Map<string, { route: RouteRequest | undefined; until: number }>();

  constructor(private readonly db: Database) {}

  async of(principal: string): Promise<RouteRequest | undefined> {
    const now = Date.now();
    const hit = this.#kept.get(principal);
    if (hit && hit.until > now) return hit.route;
    const route = await routeDefaultOf(this.db, principal);
    if (!hit && this.#kept.size >= MAX_KEPT) this.#kept.delete(this.#kept.keys().next().value!);
    this.#kept.set(principal, { route, until: now + KEEP_MS });
    return route;
  }

  list(): Promise<RouteDefault[]> {
    return listRouteDefaults(this.db);
  }

  async set(principal: string, route: RouteRequest): Promise<void> {
    await setRouteDefault(this.db, principal, route);
    this.#kept.delete(principal);
  }

  async clear(principal: string): Promise<boolean> {
    this.#kept.delete(principal);
    return clearRouteDefault(this.db, principal);
  }
}
