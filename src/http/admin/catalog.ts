// The catalog a page at a time, with what the operator acts on beside it (upstreams, definition
// changes awaiting approval, version pins, shares): what the console's Catalog page shows, in
// one read. /tools, /items and /shares stay the whole lists, for the CLI and scripts.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { catalogListing, parseCursor, type ListedTool } from "../../node/catalog/operator-listing.ts";
import { registrations } from "../../node/upstreams/registration.ts";
import { definitionChanges, type DefinitionChangeRow } from "../../node/upstreams/definition-decisions.ts";
import { listPins } from "../../node/catalog/pins.ts";
import { entryView, pinView } from "./registry.ts";
import { itemView } from "./items.ts";
import { fail } from "./respond.ts";

const listingQuery = z.object({
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(200).catch(50),
});

/** `pinned`: the global ids (`<origin>/<upstream>/<tool>`) of peers' tools the operator pinned to a version. */
function listedToolView(row: ListedTool, pinned: ReadonlySet<string>) {
  if (row.kind === "local") {
    const t = row.tool;
    return { name: t.shortName, id: t.globalId, origin: null, upstream: t.upstream, hidden: t.hidden, pinned: t.pinned, shared: t.shared };
  }
  const t = row.tool;
  return {
    name: t.shortName,
    id: t.id,
    origin: { id: t.origin, alias: t.alias },
    upstream: t.upstream,
    hidden: t.hidden,
    pinned: false,
    pricing: t.pricing ?? null,
    /** The version listed, every live one, and whether the operator pinned the one listed. */
    version: t.version,
    versions: t.versions,
    // A listed peer's tool says pinned: false (what policy sees), so the pins tell.
    versionPinned: pinned.has(t.globalId),
  };
}

/** A definition change as a listing row shows it: the definitions themselves are at /tools/changes/:id. */
function pendingView(c: DefinitionChangeRow) {
  return { id: c.id, upstream: c.upstream, tool: c.tool, oldFingerprint: c.oldFingerprint, newFingerprint: c.newFingerprint, detectedAt: new Date(c.detectedAt).toISOString() };
}

export function catalogAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/catalog", async (c) => {
    const q = listingQuery.safeParse(c.req.query());
    if (!q.success) return fail(c, "invalid_request", "cursor: up to 2048 characters");
    const { limit } = q.data;
    const [listing, upstreams, pending, pins] = await Promise.all([
      catalogListing(s, parseCursor(q.data.cursor), limit),
      registrations(s),
      definitionChanges(s, { status: "pending" }),
      listPins(s.db),
    ]);
    const pinned = new Set(pins.map((p) => `${p.origin}/${p.tool}`));
    return c.json({
      upstreams,
      changes: { changes: pending.slice(0, limit).map(pendingView), total: pending.length },
      pins: pins.map(pinView),
      tools: {
        tools: listing.tools.map((t) => listedToolView(t, pinned)),
        next: listing.next,
        total: { local: upstreams.reduce((n, u) => n + u.tools, 0), peers: listing.peerTotal },
      },
      items: { items: listing.items.items.map(itemView), total: listing.items.total },
      shares: { shares: listing.shares.entries.map(entryView), total: listing.shares.total },
    });
  });

  return app;
}
