// The operator's version pins on peers' tools: which live version the catalog shows when an
// origin keeps several side by side (src/node/catalog/pins.ts hands them to the listing).
import { and, eq } from "drizzle-orm";
import type { Database } from "./database.ts";
import { versionPins } from "./schema/index.ts";

export type VersionPin = typeof versionPins.$inferSelect;

export function listPins(db: Database): Promise<VersionPin[]> {
  return db.select().from(versionPins).orderBy(versionPins.origin, versionPins.tool);
}

export async function setPin(db: Database, pin: { origin: string; tool: string; version: string }): Promise<VersionPin> {
  const [row] = await db
    .insert(versionPins)
    .values(pin)
    .onConflictDoUpdate({ target: [versionPins.origin, versionPins.tool], set: { version: pin.version, createdAt: Date.now() } })
    .returning();
  return row!;
}

export async function removePin(db: Database, origin: string, tool: string): Promise<boolean> {
  const rows = await db
    .delete(versionPins)
    .where(and(eq(versionPins.origin, origin), eq(versionPins.tool, tool)))
    .returning({ origin: versionPins.origin });
  return rows.length > 0;
}
