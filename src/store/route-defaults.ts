// Each principal's default route, as the operator set it.
import { eq } from "drizzle-orm";
import type { RouteRequest } from "../protocol/routes/roles.ts";
import type { Database } from "./database.ts";
import { routeDefaults } from "./schema/index.ts";

export interface RouteDefault {
  principal: string;
  route: RouteRequest;
  updatedAt: number;
}

export async function routeDefaultOf(db: Database, principal: string): Promise<RouteRequest | undefined> {
  const [row] = await db.select({ route: routeDefaults.route }).from(routeDefaults).where(eq(routeDefaults.principal, principal));
  return row?.route;
}

export async function listRouteDefaults(db: Database): Promise<RouteDefault[]> {
  return db.select().from(routeDefaults).orderBy(routeDefaults.principal);
}

export async function setRouteDefault(db: Database, principal: string, route: RouteRequest): Promise<void> {
  const values = { route, updatedAt: Date.now() };
  await db.insert(routeDefaults).values({ principal, ...values }).onConflictDoUpdate({ target: routeDefaults.principal, set: values });
}

export async function clearRouteDefault(db: Database, principal: string): Promise<boolean> {
  return (await db.delete(routeDefaults).where(eq(routeDefaults.principal, principal)).returning({ p: routeDefaults.principal })).length > 0;
}
