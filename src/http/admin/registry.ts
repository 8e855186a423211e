// The operator's sharing commands in the admin API: share a local tool with peers (or the whole
// federation), withdraw it, look at the shares and at the registry this node holds, and pin the
// version of a peer's tool that the catalog shows.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { listFederatedTools } from "../../node/catalog/federated.ts";
import { listPins, removePin, setPin, type VersionPin } from "../../node/catalog/pins.ts";
import type { Services } from "../../node/services.ts";
import { entryKey, nodeId, toolOfKey, type Entry } from "../../protocol/registry/entry.ts";
import { heldEntries } from "../../node/registry/shares.ts";
import { shareTool, shareUpstream, ShareRefusedError } from "../../node/registry/share-local.ts";
import { pricing } from "../../protocol/ledger/pricing.ts";
import { isSemver } from "../../protocol/registry/semver.ts";
import { definitionOf, ITEM_KINDS, nameOf, type ItemBody, type ItemKind } from "../../protocol/registry/shared-items.ts";
import { isTrustKind, subjectOfTrust, type TrustBody } from "../../protocol/registry/trust-entries.ts";
import { prepareUpstreamItems, shareItem, ShareItemError } from "../../node/registry/share-items.ts";

const shareOptions = {
  visibility: z.enum(["peers", "public", "private"]),
  version: z.string().refine(isSemver, "a semantic version").default("1.0.0"),
  /** Keeps this version live beside the unlabelled one: the key becomes `<upstream>/<tool>@<label>`. */
  label: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, "1 to 32 letters, digits, dots, dashes or underscores").optional(),
  tags: z.array(z.string().min(1).max(64)).max(32).optional(),
  /** The ledger's pricing descriptor; absent means free. */
  pricing: pricing.optional(),
  /** Lets consumers cache results this long: only for a tool annotated read-only and idempotent. */
  cacheTtlSeconds: z.number().int().min(1).max(86_400).optional(),
  /** Lets consumers spread and fail over this tool's calls among providers of its fingerprint that say so too. */
  replicable: z.boolean().optional(),
};

/**
 * One local tool by its short name, one resource (URI), resource template or prompt; or, with
 * `upstream` alone, everything of that upstream. With an item, `upstream` picks among upstreams
 * that offer the same URI or template.
 */
const shareInput = z
  .strictObject({
    tool: z.string().min(1).optional(),
    resource: z.string().min(1).optional(),
    resourceTemplate: z.string().min(1).optional(),
    /** A local prompt's name, as this node lists it. */
    prompt: z.string().min(1).optional(),
    upstream: z.string().min(1).optional(),
    ...shareOptions,
  })
  .refine((b) => {
    const named = [b.tool, b.resource, b.resourceTemplate, b.prompt].filter((x) => x !== undefined).length;
    return named === 1 ? !(b.tool !== undefined && b.upstream !== undefined) : named === 0 && b.upstream !== undefined;
  }, "name exactly one of tool, resource, resourceTemplate, prompt; or upstream alone to share everything of it");

export function entryView(e: Entry & { source?: string | null }) {
  const s = e.signed;
  return {
    id: e.id,
    origin: s.origin,
    kind: s.kind,
    key: s.key,
    visibility: s.visibility,
    hlc: s.hlc,
    tombstone: s.tombstone,
    ...(s.tombstone
      ? {}
      : s.kind === "tool"
        ? { version: s.body.version, name: s.body.tool.name, fingerprint: s.body.fingerprint, tags: s.body.tags, replicable: s.body.replicable === true }
        : s.kind === "node"
          ? { name: s.body.card.name, url: s.body.card.url }
          : s.kind === "directory"
            ? { url: s.body.url }
          : s.kind === "forwarding"
            ? { destinations: s.body.destinations }
          : s.kind === "package"
            ? { name: s.body.name, version: s.body.version }
          : isTrustKind(s.kind)
            ? { subject: subjectOfTrust(s.kind, s.body as TrustBody) }
            : s.kind === "agent"
              ? { name: s.body.name }
              : s.kind === "intent" || s.kind === "offer"
                ? {}
                : { name: nameOf(definitionOf(s.body as ItemBody)), fingerprint: (s.body as ItemBody).fingerprint }),
    ...(e.source !== undefined ? { source: e.source } : {}),
  };
}

export function pinView(p: VersionPin) {
  return { origin: p.origin, tool: p.tool, version: p.version, createdAt: new Date(p.createdAt).toISOString() };
}

/** A resource, template or prompt share: the same options as a tool's, without versions, tags or caching. */
async function shareOneItem(c: Context<AppEnv>, s: Services, b: z.infer<typeof shareInput>) {
  if (b.label !== undefined || b.tags !== undefined || b.cacheTtlSeconds !== undefined) {
    return fail(c, "invalid_request", "label, tags and cacheTtlSeconds are for tools; a resource, template or prompt takes visibility and pricing");
  }
  const [kind, name]: [ItemKind, string] = b.resource !== undefined ? ["resource", b.resource] : b.resourceTemplate !== undefined ? ["resource-template", b.resourceTemplate] : ["prompt", b.prompt!];
  try {
    const { key, stored } = await shareItem(s, { kind, name, upstream: b.upstream, visibility: b.visibility, pricing: b.pricing ?? null });
    return c.json({ kind, key, stored: stored.map(entryView) }, stored.length > 0 ? 201 : 200);
  } catch (err) {
    if (err instanceof ShareItemError) return fail(c, err.code, err.message);
    throw err;
  }
}

export function registryAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/shares", async (c) => c.json({ shares: (await heldEntries(s, s.nodeId)).map(entryView) }));

  app.post("/shares", async (c) => {
    const body = await readJson(c, shareInput);
    if (!body.ok) return body.res;
    const { visibility, version, label, tags, pricing, cacheTtlSeconds, replicable } = body.value;
    if (body.value.resource !== undefined || body.value.resourceTemplate !== undefined || body.value.prompt !== undefined) return shareOneItem(c, s, body.value);
    const options = { visibility, version, label, tags, pricing, cacheTtlSeconds, replicable };
    try {
      if (body.value.tool === undefined) {
        const upstream = body.value.upstream!;
        const shareItems = await prepareUpstreamItems(s, upstream, { visibility, pricing: pricing ?? null });
        const shared = await shareUpstream(s, upstream, options);
        const items = await shareItems();
        const changed = shared.some((x) => x.stored.length > 0) || items.some((x) => x.stored.length > 0);
        if (changed) s.gossip.changed();
        const shares = [
          ...shared.map((x) => ({ kind: "tool", tool: x.tool, key: x.key, stored: x.stored.map(entryView) })),
          ...items.map((x) => ({ kind: x.kind, key: x.key, stored: x.stored.map(entryView) })),
        ];
        return c.json({ upstream, shares }, changed ? 201 : 200);
      }
      const { key, stored } = await shareTool(s, body.value.tool, options);
      if (stored.length > 0) s.gossip.changed();
      return c.json({ key, stored: stored.map(entryView) }, stored.length > 0 ? 201 : 200);
    } catch (err) {
      if (err instanceof ShareRefusedError || err instanceof ShareItemError) return fail(c, err.code, err.message);
      throw err;
    }
  });

  app.delete("/shares/:key{.+}", async (c) => {
    const key = c.req.param("key");
    const kind = c.req.query("kind") ?? "tool";
    if (kind !== "tool" && !(ITEM_KINDS as readonly string[]).includes(kind)) return fail(c, "invalid_request", `kind is tool, ${ITEM_KINDS.join(", ")}`);
    const stored = await s.registry.withdraw(key, kind as "tool" | ItemKind);
    if (stored.length === 0) return fail(c, "not_found", `${key} is not shared`);
    s.gossip.changed();
    return c.json({ key, stored: stored.map(entryView) });
  });

  app.get("/registry/pins", async (c) => c.json({ pins: (await listPins(s.db)).map(pinView) }));

  // Any key of the tool names it; the pin holds for the tool, whichever key carries the version.
  app.put("/registry/pins", async (c) => {
    const body = await readJson(c, z.object({ origin: nodeId, key: entryKey, version: z.string().refine(isSemver, "a semantic version") }).strict());
    if (!body.ok) return body.res;
    const { origin, key, version } = body.value;
    const tool = toolOfKey(key).group;
    // A pin on a version that is not live would hide the tool: refuse it while the mistake is visible.
    const listed = (await listFederatedTools(s.db, { self: s.nodeId })).find((t) => t.globalId === `${origin}/${tool}`);
    if (!listed?.versions.includes(version)) return fail(c, "not_found", `${origin} has no live version ${version} of ${tool}`);
    return c.json({ pin: pinView(await setPin(s.db, { origin, tool, version })) });
  });

  app.delete("/registry/pins/:origin/:key{.+}", async (c) => {
    const key = entryKey.safeParse(c.req.param("key"));
    if (!key.success) return fail(c, "invalid_request", "not a tool key");
    const tool = toolOfKey(key.data).group;
    if (!(await removePin(s.db, c.req.param("origin"), tool))) return fail(c, "not_found", `${tool} of ${c.req.param("origin")} is not pinned`);
    return c.body(null, 204);
  });

  app.get("/registry", async (c) => c.json({ self: s.nodeId, entries: (await heldEntries(s)).map(entryView), metrics: s.registry.metrics.snapshot() }));

  return app;
}
