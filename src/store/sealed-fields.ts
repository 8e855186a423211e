// An upstream's secrets at rest: each header and env value sealed on its own (src/secrets) under
// the context "upstreams/<name>/<field>/<key>", so a value copied to another upstream, field or key
// opens nowhere. Names stay readable (the admin API lists them, masked); values are opened only in
// memory, to reach the upstream, and every value opened is registered for redaction.
import { and, eq, isNull, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { liveSecrets } from "../secrets/redactor.ts";
import { isSealed, type SecretBox } from "../secrets/sealed-box.ts";
import type { Database } from "./database.ts";
import { upstreams } from "./schema/index.ts";
import type { UpstreamTarget } from "./upstream-spec.ts";

type Field = "headers" | "env";
type Values = Record<string, string>;

const context = (upstream: string, field: Field, key: string) => `upstreams/${upstream}/${field}/${key}`;

export async function sealValues(box: SecretBox, upstream: string, field: Field, values: Values): Promise<Values> {
  const entries = Object.entries(values).map(async ([k, v]) => [k, await box.seal(v, context(upstream, field, k))] as const);
  return Object.fromEntries(await Promise.all(entries));
}

// Opening is on every call's path: each sealed value is opened once per box, then kept in memory.
const opened = new WeakMap<SecretBox, Map<string, Promise<string>>>();

function openValue(box: SecretBox, sealed: string, ctx: string): Promise<string> {
  let cache = opened.get(box);
  if (!cache) opened.set(box, (cache = new Map()));
  const key = `${ctx}\n${sealed}`;
  let value = cache.get(key);
  if (!value) {
    value = box.open(sealed, ctx).then((v) => {
      liveSecrets.add(v);
      return v;
    });
    value.catch(() => cache.delete(key));
    cache.set(key, value);
  }
  return value;
}

/** The values in memory. A plaintext value (a row an older version wrote) is used as is until the next start seals it. */
async function openValues(box: SecretBox, upstream: string, field: Field, values: Values | null): Promise<Values> {
  const entries = Object.entries(values ?? {}).map(async ([k, v]) => {
    if (isSealed(v)) return [k, await openValue(box, v, context(upstream, field, k))] as const;
    liveSecrets.add(v);
    return [k, v] as const;
  });
  return Object.fromEntries(await Promise.all(entries));
}

/** The columns that say how to reach an upstream. */
export type UpstreamReach = Pick<typeof upstreams.$inferSelect, "name" | "kind" | "url" | "headers" | "command" | "args" | "env" | "cwd" | "sandboxed">;

/** How to reach the upstream, its secrets opened. */
export async function openTarget(box: SecretBox, row: UpstreamReach): Promise<UpstreamTarget> {
  return row.kind === "http"
    ? { name: row.name, kind: "http", url: row.url!, headers: await openValues(box, row.name, "headers", row.headers) }
    : {
        name: row.name,
        kind: "stdio",
        command: row.command!,
        args: row.args ?? [],
        env: await openValues(box, row.name, "env", row.env),
        ...(row.cwd ? { cwd: row.cwd } : {}),
        sandboxed: row.sandboxed,
      };
}

/** The field as it should be stored: plaintext values and values sealed under PREVIOUS_NODE_SEED sealed anew. */
async function resealed(box: SecretBox, upstream: string, field: Field, values: Values): Promise<Values | undefined> {
  let changed = false;
  const out: Values = {};
  for (const [k, v] of Object.entries(values)) {
    const ctx = context(upstream, field, k);
    const plain = isSealed(v) ? await openValue(box, v, ctx) : v;
    liveSecrets.add(plain);
    if (isSealed(v) && (await box.current(v))) {
      out[k] = v;
    } else {
      out[k] = await box.seal(plain, ctx);
      changed = true;
    }
  }
  return changed ? out : undefined;
}

const unchanged = (column: SQLiteColumn, value: Values | null): SQL => (value === null ? isNull(column) : eq(column, value));

/**
 * At start: seals the plaintext secrets of rows written before sealing existed, re-seals those a
 * rotated NODE_SEED sealed, and registers every value for redaction. Each row is updated only if
 * no one changed it meanwhile, so several processes or isolates may run this at once. Returns the
 * upstreams whose secrets no seed this node holds can open.
 */
export async function resealUpstreams(db: Database, box: SecretBox): Promise<{ upstream: string; error: string }[]> {
  const unopened: { upstream: string; error: string }[] = [];
  const rows = await db.select().from(upstreams);
  for (const row of rows) {
    try {
      const headers = row.headers && (await resealed(box, row.name, "headers", row.headers));
      const env = row.env && (await resealed(box, row.name, "env", row.env));
      if (!headers && !env) continue;
      await db
        .update(upstreams)
        .set({ ...(headers ? { headers } : {}), ...(env ? { env } : {}) })
        .where(and(eq(upstreams.name, row.name), unchanged(upstreams.headers, row.headers), unchanged(upstreams.env, row.env)));
    } catch (err) {
      // Sealed under a seed this node no longer holds: calls to it fail until the operator registers it again.
      unopened.push({ upstream: row.name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return unopened;
}
