// The operator's provider groups as stored: a name and its members' node ids.
import { eq } from "drizzle-orm";
import type { Database } from "./database.ts";
import { providerGroups } from "./schema/index.ts";

export interface ProviderGroup {
  name: string;
  members: string[];
}

export async function listProviderGroups(db: Database): Promise<ProviderGroup[]> {
  const rows = await db.select().from(providerGroups).orderBy(providerGroups.name, providerGroups.nodeId);
  const byName = new Map<string, string[]>();
  for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r.nodeId]);
  return [...byName].map(([name, members]) => ({ name, members }));
}

/** Replaces the group's members in one batch: readers see the old group or the new one. */
export async function setProviderGroup(db: Database, group: ProviderGroup): Promise<void> {
  await db.batch([
    db.delete(providerGroups).where(eq(providerGroups.name, group.name)),
    db.insert(providerGroups).values(group.members.map((nodeId) => ({ name: group.name, nodeId }))),
  ]);
}

export async function removeProviderGroup(db: Database, name: string): Promise<boolean> {
  const rows = await db.delete(providerGroups).where(eq(providerGroups.name, name)).returning({ name: providerGroups.name });
  return rows.length > 0;
}
