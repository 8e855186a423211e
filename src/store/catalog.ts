// The composite catalog as stored: what each upstream offers, under which short names.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Prompt, Resource, ResourceTemplateType as ResourceTemplate, Tool } from "@modelcontextprotocol/server";
import { chunks, prepareOnce, type Database } from "./database.ts";
import { federatedSettings, prompts, resources, resourceTemplates, tools, toolSettings, upstreams } from "./schema/index.ts";
import { toolFingerprint } from "../protocol/registry/tool-fingerprint.ts";
import { sha256Hex } from "../protocol/encoding/hash.ts";
import { assignName, globalToolId, NAME_PATTERN, preferredName, RESERVED_NAMES } from "./catalog-names.ts";
import { forgetTools, forgetToolsUnder, indexTools, recountTerms } from "./tool-search-postings.ts";
import { rankTools } from "./tool-search-query.ts";

export interface CatalogTool {
  globalId: string;
  upstream: string;
  /** The tool's name at its upstream. */
  name: string;
  /** The name the node's clients call it by. */
  shortName: string;
  title: string | null;
  description: string | null;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown> | null;
  annotations: Record<string, unknown> | null;
  tags: string[];
  fingerprint: string;
  hidden: boolean;
  pinned: boolean;
  /** False while its upstream is unreachable: the entry is the last one known. */
  available: boolean;
}

/** Everything one upstream offers, as listed by it. */
export interface UpstreamSnapshot {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
  serverName: string | undefined;
  serverVersion: string | undefined;
}

export class CatalogConflictError extends Error {
  override name = "CatalogConflictError";
}


const toolColumns = {
  globalId: tools.globalId,
  upstream: tools.upstream,
  name: tools.name,
  shortName: toolSettings.shortName,
  title: tools.title,
  description: tools.description,
  inputSchema: tools.inputSchema,
  outputSchema: tools.outputSchema,
  annotations: tools.annotations,
  tags: tools.tags,
  fingerprint: tools.fingerprint,
  hidden: toolSettings.hidden,
  pinned: toolSettings.pinned,
  available: sql<number>`${upstreams.status} != 'unavailable'`.mapWith(Boolean),
};

function selectTools(db: Database) {
  return db
    .select(toolColumns)
    .from(tools)
    .innerJoin(toolSettings, eq(toolSettings.globalId, tools.globalId))
    .innerJoin(upstreams, eq(upstreams.name, tools.upstream));
}

/** Every tool, hidden ones included: the operator's view. */
export function listTools(db: Database, upstream?: string): Promise<CatalogTool[]> {
  const q = selectTools(db);
  return (upstream ? q.where(eq(tools.upstream, upstream)) : q).orderBy(toolSettings.shortName);
}

/** How many tools each upstream lists, counted in the store (the upstream list needs no more). */
export async function toolCountsByUpstream(db: Database): Promise<Map<string, number>> {
  const rows = await db.select({ upstream: tools.upstream, n: sql<number>`count(*)` }).from(tools).groupBy(tools.upstream);
  return new Map(rows.map((r) => [r.upstream, Number(r.n)]));
}

/** What tools/list shows: visible tools, or only the pinned ones in search mode. */
export function listVisibleTools(db: Database, pinnedOnly: boolean): Promise<CatalogTool[]> {
  const q = prepareOnce(db, "visibleTools", () =>
    selectTools(db)
      .where(and(eq(toolSettings.hidden, false), sql`${toolSettings.pinned} >= ${sql.placeholder("minPinned")}`))
      .orderBy(toolSettings.shortName)
      .prepare(),
  );
  return q.all({ minPinned: pinnedOnly ? 1 : 0 });
}

export async function findTool(db: Database, by: { shortName: string } | { globalId: string }) {
  const cond = "shortName" in by ? eq(toolSettings.shortName, by.shortName) : eq(tools.globalId, by.globalId);
  const [row] = await selectTools(db).where(cond).limit(1);
  return row;
}

function tagsOf(upstream: string, tool: Tool): string[] {
  const tags = new Set([upstream]);
  const a = tool.annotations;
  if (a?.readOnlyHint) tags.add("read-only");
  if (a?.destructiveHint) tags.add("destructive");
  if (a?.openWorldHint) tags.add("open-world");
  const metaTags = (tool._meta as { tags?: unknown } | undefined)?.tags;
  if (Array.isArray(metaTags)) for (const t of metaTags) if (typeof t === "string") tags.add(t);
  return [...tags];
}

/**
 * Replaces one upstream's catalog with a fresh snapshot in one atomic batch. Short names already
 * given keep their value; new tools get the preferred name or a stable fallback.
 * Returns false when the snapshot equals the stored one and nothing was written.
 */
export async function replaceUpstreamCatalog(
  db: Database,
  nodeId: string,
  upstream: { name: string; prefix: string | null; catalogHash: string | null },
  snap: UpstreamSnapshot,
): Promise<boolean> {
  const hash = await sha256Hex(JSON.stringify(snap));
  const status = { status: "ok" as const, lastError: null, refreshedAt: Date.now() };
  if (hash === upstream.catalogHash) {
    await db.update(upstreams).set(status).where(eq(upstreams.name, upstream.name));
    return false;
  }
  const prefix = upstream.prefix ?? upstream.name;
  const named = await db.select({ globalId: toolSettings.globalId, shortName: toolSettings.shortName }).from(toolSettings);
  const byName = new Map(named.map((r) => [r.shortName, r.globalId]));
  const byId = new Map(named.map((r) => [r.globalId, r.shortName]));

  const toolRows: (typeof tools.$inferInsert)[] = [];
  const newNames: (typeof toolSettings.$inferInsert)[] = [];
  const seen = new Set<string>();
  for (const t of snap.tools) {
    const globalId = globalToolId(nodeId, upstream.name, t.name);
    if (seen.has(globalId)) continue; // an upstream listing a name twice: keep the first
    seen.add(globalId);
    if (!byId.has(globalId)) {
      const shortName = await assignName(globalId, preferredName(prefix, t.name), (n) => byName.has(n));
      byName.set(shortName, globalId);
      byId.set(globalId, shortName);
      newNames.push({ globalId, shortName });
    }
    toolRows.push({
      globalId,
      upstream: upstream.name,
      name: t.name,
      title: t.title ?? null,
      description: t.description ?? null,
      inputSchema: t.inputSchema,
      outputSchema: t.outputSchema ?? null,
      annotations: t.annotations ?? null,
      tags: tagsOf(upstream.name, t),
      fingerprint: await toolFingerprint(t),
    });
  }

  const promptNames = await namePrompts(db, nodeId, upstream.name, prefix, snap.prompts.map((p) => p.name));
  const promptRows: (typeof prompts.$inferInsert)[] = snap.prompts.map((p) => ({
    upstream: upstream.name,
    name: p.name,
    shortName: promptNames.get(p.name)!,
    body: p as Record<string, unknown>,
  }));
  const resourceRows = dedupe(snap.resources, (r) => r.uri).map((r) => ({
    upstream: upstream.name,
    uri: r.uri,
    body: r as Record<string, unknown>,
  }));
  const templateRows = dedupe(snap.resourceTemplates, (r) => r.uriTemplate).map((r) => ({
    upstream: upstream.name,
    uriTemplate: r.uriTemplate,
    body: r as Record<string, unknown>,
  }));

  const u = upstream.name;
  const indexed = toolRows.map((t) => ({ ...t, shortName: byId.get(t.globalId)! }));
  await db.batch([
    db.delete(tools).where(eq(tools.upstream, u)),
    forgetToolsUnder(db, `${nodeId}/${u}/`),
    db.delete(resources).where(eq(resources.upstream, u)),
    db.delete(resourceTemplates).where(eq(resourceTemplates.upstream, u)),
    db.delete(prompts).where(eq(prompts.upstream, u)),
    ...chunks(newNames, 5).map((c) => db.insert(toolSettings).values(c).onConflictDoNothing()),
    ...chunks(toolRows, 10).map((c) => db.insert(tools).values(c)),
    ...chunks(resourceRows, 3).map((c) => db.insert(resources).values(c)),
    ...chunks(templateRows, 3).map((c) => db.insert(resourceTemplates).values(c)),
    ...chunks(promptRows, 4).map((c) => db.insert(prompts).values(c)),
    ...indexTools(db, indexed),
    ...recountTerms(db),
    db
      .update(upstreams)
      .set({ ...status, catalogHash: hash, serverName: snap.serverName ?? null, serverVersion: snap.serverVersion ?? null })
      .where(eq(upstreams.name, u)),
  ]);
  return true;
}

function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(key(i)) && (seen.add(key(i)), true));
}

/**
 * Names an upstream's prompts: the operator's name where one was given, else the prefix's, else
 * a fallback derived from the prompt, never a name another upstream's prompt holds.
 */
async function namePrompts(db: Database, nodeId: string, upstream: string, prefix: string, names: string[]): Promise<Map<string, string>> {
  const held = new Set(
    (await db.select({ shortName: prompts.shortName, upstream: prompts.upstream }).from(prompts)).filter((p) => p.upstream !== upstream).map((p) => p.shortName),
  );
  const given = await db
    .select({ ref: federatedSettings.ref, shortName: federatedSettings.shortName })
    .from(federatedSettings)
    .where(and(eq(federatedSettings.kind, "prompt"), eq(federatedSettings.origin, nodeId)));
  const out = new Map<string, string>();
  for (const g of given) {
    const name = g.ref.slice(upstream.length + 1);
    if (g.shortName === null || g.ref !== `${upstream}/${name}` || !names.includes(name) || held.has(g.shortName)) continue;
    out.set(name, g.shortName);
    held.add(g.shortName);
  }
  for (const name of names) {
    if (out.has(name)) continue;
    const shortName = await assignName(`${upstream}/${name}`, preferredName(prefix, name), (n) => held.has(n));
    out.set(name, shortName);
    held.add(shortName);
  }
  return out;
}

/** Names an upstream's listed prompts again under a new prefix, but for those the operator named. */
async function renamePrompts(db: Database, nodeId: string, upstream: string, prefix: string): Promise<void> {
  const own = await db.select({ name: prompts.name, shortName: prompts.shortName }).from(prompts).where(eq(prompts.upstream, upstream));
  const names = await namePrompts(db, nodeId, upstream, prefix, own.map((p) => p.name));
  const changed = own.filter((p) => names.get(p.name) !== p.shortName);
  if (changed.length === 0) return;
  const one = (name: string, shortName: string) => db.update(prompts).set({ shortName }).where(and(eq(prompts.upstream, upstream), eq(prompts.name, name)));
  // Park the names first so that swaps within the upstream do not trip the unique index.
  const [first, ...rest] = [...changed.map((p) => one(p.name, `~${upstream}/${p.name}`)), ...changed.map((p) => one(p.name, names.get(p.name)!))];
  await db.batch([first!, ...rest]);
}

/** The operator's name for one local prompt, as its clients here list and get it. */
export async function setPromptName(db: Database, upstream: string, name: string, shortName: string): Promise<void> {
  await db.update(prompts).set({ shortName }).where(and(eq(prompts.upstream, upstream), eq(prompts.name, name)));
}

/** Gives every tool and prompt of an upstream that the operator did not rename its name under a new prefix. */
export async function renamePrefix(db: Database, nodeId: string, upstream: string, prefix: string): Promise<void> {
  await renamePrompts(db, nodeId, upstream, prefix);
  const own = await db
    .select({ globalId: toolSettings.globalId, name: tools.name })
    .from(toolSettings)
    .innerJoin(tools, eq(tools.globalId, toolSettings.globalId))
    .where(and(eq(tools.upstream, upstream), eq(toolSettings.renamed, false)));
  const ownIds = new Set(own.map((o) => o.globalId));
  const all = await db.select({ globalId: toolSettings.globalId, shortName: toolSettings.shortName }).from(toolSettings);
  const byName = new Map(all.filter((r) => !ownIds.has(r.globalId)).map((r) => [r.shortName, r.globalId]));
  const updates: { globalId: string; shortName: string }[] = [];
  for (const o of own) {
    const globalId = globalToolId(nodeId, upstream, o.name);
    const shortName = await assignName(globalId, preferredName(prefix, o.name), (n) => byName.has(n));
    byName.set(shortName, globalId);
    updates.push({ globalId: o.globalId, shortName });
  }
  if (updates.length === 0) return;
  // Park the names first so that swaps within the upstream do not trip the unique index.
  const park = updates.map((u) =>
    db.update(toolSettings).set({ shortName: `~${u.globalId}` }).where(eq(toolSettings.globalId, u.globalId)),
  );
  const set = updates.map((u) =>
    db.update(toolSettings).set({ shortName: u.shortName }).where(eq(toolSettings.globalId, u.globalId)),
  );
  const [first, ...rest] = [...park, ...set, ...(await reindexStatements(db, updates))];
  await db.batch([first!, ...rest]);
}

/** Statements that index these tools again under their new short names (the index holds them). */
async function reindexStatements(db: Database, renamed: readonly { globalId: string; shortName: string }[]) {
  const rows = await db
    .select({ globalId: tools.globalId, name: tools.name, title: tools.title, description: tools.description, tags: tools.tags })
    .from(tools)
    .where(inArray(tools.globalId, renamed.map((r) => r.globalId)));
  const names = new Map(renamed.map((r) => [r.globalId, r.shortName]));
  return [...forgetTools(db, rows.map((r) => r.globalId)), ...indexTools(db, rows.map((r) => ({ ...r, shortName: names.get(r.globalId)! }))), ...recountTerms(db)];
}

export interface ToolChange {
  shortName?: string;
  hidden?: boolean;
  pinned?: boolean;
}

/** The operator renames, hides or pins one tool. */
export async function updateToolSettings(db: Database, globalId: string, change: ToolChange): Promise<void> {
  const set: Partial<typeof toolSettings.$inferInsert> = {};
  if (change.shortName !== undefined) {
    if (!NAME_PATTERN.test(change.shortName) || RESERVED_NAMES.has(change.shortName)) {
      throw new CatalogConflictError(`"${change.shortName}" is not a usable tool name`);
    }
    const [holder] = await db
      .select({ globalId: toolSettings.globalId })
      .from(toolSettings)
      .where(eq(toolSettings.shortName, change.shortName));
    if (holder && holder.globalId !== globalId) {
      throw new CatalogConflictError(`the name "${change.shortName}" is taken by ${holder.globalId}`);
    }
    set.shortName = change.shortName;
    set.renamed = true;
  }
  if (change.hidden !== undefined) set.hidden = change.hidden;
  if (change.pinned !== undefined) set.pinned = change.pinned;
  if (Object.keys(set).length === 0) return;
  const update = db.update(toolSettings).set(set).where(eq(toolSettings.globalId, globalId));
  const reindex = change.shortName === undefined ? [] : await reindexStatements(db, [{ globalId, shortName: change.shortName }]);
  await db.batch([update, ...reindex]);
}

/** Forgets an upstream's names along with it, so a later upstream of the same name starts clean. */
export function forgetUpstreamNames(db: Database, nodeId: string, upstream: string) {
  const prefix = `${nodeId}/${upstream}/`;
  // Not LIKE: `_` is a wildcard there and a legal character in upstream names.
  return db.delete(toolSettings).where(sql`substr(${toolSettings.globalId}, 1, ${prefix.length}) = ${prefix}`);
}

/** Ranked search over name, title, description and tags (src/store/tool-search-*.ts); hidden tools never match. */
export async function searchTools(db: Database, query: string, limit: number) {
  const hits = await rankTools(db, query, limit);
  if (hits.length === 0) return [];
  // Built once per database: the ids go as one JSON parameter, so the statement's text never varies.
  const byIds = prepareOnce(db, "toolsByIds", () =>
    selectTools(db)
      .where(sql`${tools.globalId} IN (SELECT value FROM json_each(${sql.placeholder("ids")}))`)
      .prepare(),
  );
  const rows = await byIds.all({ ids: JSON.stringify(hits.map((h) => h.globalId)) });
  const byId = new Map(rows.map((r) => [r.globalId, r]));
  return hits.flatMap((h) => {
    const tool = byId.get(h.globalId);
    return tool ? [{ tool, score: h.score }] : [];
  });
}

export function listResources(db: Database) {
  return db.select().from(resources).innerJoin(upstreams, eq(upstreams.name, resources.upstream));
}

export function listResourceTemplates(db: Database) {
  return db.select().from(resourceTemplates);
}

export function findResource(db: Database, uri: string) {
  return db.select().from(resources).where(eq(resources.uri, uri));
}

export function listPrompts(db: Database) {
  return db.select().from(prompts).orderBy(prompts.shortName);
}

export async function findPrompt(db: Database, shortName: string) {
  const [row] = await db.select().from(prompts).where(eq(prompts.shortName, shortName)).limit(1);
  return row;
}

/** What a call needs: the tool's identity and how to reach its upstream. */
const callableColumns = {
  globalId: tools.globalId,
  upstream: tools.upstream,
  name: tools.name,
  shortName: toolSettings.shortName,
  fingerprint: tools.fingerprint,
  tags: tools.tags,
  // The upstream's own schema: a call mirrors its x-mcp-header arguments as headers (SEP-2243).
  inputSchema: tools.inputSchema,
  pinned: toolSettings.pinned,
  kind: upstreams.kind,
  url: upstreams.url,
  headers: upstreams.headers,
  command: upstreams.command,
  args: upstreams.args,
  env: upstreams.env,
  cwd: upstreams.cwd,
  sandboxed: upstreams.sandboxed,
  perPrincipal: upstreams.perPrincipal,
};
export type Callable = Awaited<ReturnType<typeof findCallable>> & {};

function callableQuery(db: Database, by: "shortName" | "globalId") {
  const key = by === "shortName" ? toolSettings.shortName : tools.globalId;
  return db
    .select(callableColumns)
    .from(tools)
    .innerJoin(toolSettings, eq(toolSettings.globalId, tools.globalId))
    .innerJoin(upstreams, eq(upstreams.name, tools.upstream))
    .where(and(eq(key, sql.placeholder("key")), eq(toolSettings.hidden, false)))
    .limit(1)
    .prepare();
}

/** A visible tool with what it takes to call it: one query on the hot path. */
export async function findCallable(db: Database, by: { shortName: string } | { globalId: string }) {
  const [row] =
    "shortName" in by
      ? await prepareOnce(db, "callableByName", () => callableQuery(db, "shortName")).all({ key: by.shortName })
      : await prepareOnce(db, "callableById", () => callableQuery(db, "globalId")).all({ key: by.globalId });
  return row;
}
