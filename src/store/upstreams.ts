// The operator's upstream registrations. Secrets go in sealed (./sealed-fields.ts); only their
// names come back out.
import { eq, isNotNull } from "drizzle-orm";
import type { Database } from "./database.ts";
import { prompts, resources, resourceTemplates, tools, upstreamCredentials, upstreams } from "./schema/index.ts";
import { forgetUpstreamNames } from "./catalog.ts";
import { forgetPins } from "./definition-pins.ts";
import { forgetOwnItemSettings } from "./federated-settings.ts";
import { forgetToolsUnder, recountTerms } from "./tool-search-postings.ts";
import type { SecretBox } from "../secrets/sealed-box.ts";
import { sealValues } from "./sealed-fields.ts";
import type { UpstreamInput } from "./upstream-spec.ts";

export type UpstreamRow = typeof upstreams.$inferSelect;

export class UpstreamExistsError extends Error {
  override name = "UpstreamExistsError";
}

export async function insertUpstream(db: Database, box: SecretBox, input: UpstreamInput): Promise<void> {
  const row: typeof upstreams.$inferInsert =
    input.kind === "http"
      ? {
          name: input.name,
          kind: "http",
          url: input.url,
          headers: await sealValues(box, input.name, "headers", {
            ...input.headers,
            ...(input.bearerToken ? { Authorization: `Bearer ${input.bearerToken}` } : {}),
          }),
          prefix: input.prefix ?? null,
          perPrincipal: input.perPrincipal ?? null,
        }
      : {
          name: input.name,
          kind: "stdio",
          command: input.command,
          args: input.args,
          env: await sealValues(box, input.name, "env", input.env ?? {}),
          cwd: input.cwd ?? null,
          sandboxed: input.sandboxed ?? false,
          prefix: input.prefix ?? null,
        };
  const inserted = await db.insert(upstreams).values(row).onConflictDoNothing().returning({ name: upstreams.name });
  if (inserted.length === 0) throw new UpstreamExistsError(`an upstream named "${input.name}" exists`);
}

export async function getUpstream(db: Database, name: string): Promise<UpstreamRow | undefined> {
  const [row] = await db.select().from(upstreams).where(eq(upstreams.name, name)).limit(1);
  return row;
}

export function listUpstreams(db: Database): Promise<UpstreamRow[]> {
  return db.select().from(upstreams).orderBy(upstreams.name);
}

/** True when some upstream is reached with each caller's own credential. */
export async function anyPerPrincipalUpstream(db: Database): Promise<boolean> {
  return (await db.select({ name: upstreams.name }).from(upstreams).where(isNotNull(upstreams.perPrincipal)).limit(1)).length > 0;
}

/** The columns that say how to reach an upstream. */

/** Removes an upstream, its catalog and its tools' names, atomically. */
export async function deleteUpstream(db: Database, nodeId: string, name: string): Promise<boolean> {
  // Children first and by hand: SQLite enforces foreign keys only where a connection asks for it.
  const results = await db.batch([
    db.delete(tools).where(eq(tools.upstream, name)),
    db.delete(resources).where(eq(resources.upstream, name)),
    db.delete(resourceTemplates).where(eq(resourceTemplates.upstream, name)),
    db.delete(prompts).where(eq(prompts.upstream, name)),
    forgetUpstreamNames(db, nodeId, name),
    forgetOwnItemSettings(db, nodeId, name),
    db.delete(upstreamCredentials).where(eq(upstreamCredentials.upstream, name)),
    db.delete(upstreams).where(eq(upstreams.name, name)).returning({ name: upstreams.name }),
    // A later upstream of the same name starts with no pins of this one's.
    ...forgetPins(db, name),
    forgetToolsUnder(db, `${nodeId}/${name}/`),
    ...recountTerms(db),
  ]);
  return results[7].length > 0;
}

export async function markUnavailable(db: Database, name: string, error: string): Promise<void> {
  await db
    .update(upstreams)
    .set({ status: "unavailable", lastError: error.slice(0, 500) })
    .where(eq(upstreams.name, name));
}

/** Points a stdio upstream at another command (a package's other version), its env sealed again. */
export async function setStdioTarget(db: Database, box: SecretBox, name: string, target: { command: string; args: string[]; env: Record<string, string>; cwd?: string | undefined; sandboxed?: boolean | undefined }): Promise<void> {
  const env = await sealValues(box, name, "env", target.env);
  await db.update(upstreams).set({ command: target.command, args: target.args, env, cwd: target.cwd ?? null, sandboxed: target.sandboxed ?? false }).where(eq(upstreams.name, name));
}

export async function setPrefix(db: Database, name: string, prefix: string | null): Promise<void> {
  await db.update(upstreams).set({ prefix }).where(eq(upstreams.name, name));
}

/** What the admin API shows: header and env names with their values masked. */
export function publicView(row: UpstreamRow, toolCount: number) {
  const mask = (r: Record<string, string> | null) =>
    r ? Object.fromEntries(Object.keys(r).map((k) => [k, "***"])) : undefined;
  return {
    name: row.name,
    kind: row.kind,
    ...(row.kind === "http" ? { url: row.url, headers: mask(row.headers) } : {}),
    ...(row.perPrincipal ? { perPrincipal: row.perPrincipal.mode === "header" ? `header:${row.perPrincipal.header}` : row.perPrincipal.mode } : {}),
    ...(row.kind === "stdio" ? { command: row.command, args: row.args, env: mask(row.env) } : {}),
    prefix: row.prefix ?? row.name,
    status: row.status,
    lastError: row.lastError,
    refreshedAt: row.refreshedAt ? new Date(row.refreshedAt).toISOString() : null,
    server: row.serverName ? { name: row.serverName, version: row.serverVersion } : null,
    tools: toolCount,
  };
}
