// The agents area of the admin API: the operator lists, discovers, registers and deregisters
// agents and declares, withdraws and accepts intents as the principal "operator" (clients do the
// same through the MCP tools as themselves); it lists every intent declared through this node.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { principalId, purchaseRefused } from "./charged-purchases.ts";
import type { Services } from "../../node/services.ts";
import { acceptableOffer, declaredIntents, declareIntent, offersFor, withdrawIntent } from "../../node/agents/intents.ts";
import { buyOffer } from "../../node/agents/offer-purchase.ts";
import { AgentRefusal, type AgentRefusalCode } from "../../node/agents/refusal.ts";
import { deregister, discover, registerAgent, registeredAgents } from "../../node/agents/registration.ts";
import { capabilityTag, MAX_INTENT_LIFETIME_MS, MAX_LEASE_MS } from "../../protocol/registry/agent-entries.ts";

const OPERATOR = "operator";
const intentQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const discoverQuery = z.object({
  tags: z.string().transform((t) => t.split(",")).pipe(z.array(capabilityTag).min(1).max(8)),
  all: z.enum(["true", "false"]).optional(),
  min_trust: z.coerce.number().int().min(0).max(100).optional(),
  node: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const visibility = z.enum(["peers", "public"]).optional();
const registerInput = z.strictObject({
  name: z.string().min(1).max(64),
  tags: z.array(z.string().max(64)).max(32),
  descriptors: z.array(z.unknown()).max(32).optional(),
  endpoint: z.string().max(2048).nullable().optional(),
  trust: z.number().int().min(0).max(100).optional(),
  ttlSeconds: z.number().int().min(1).max(MAX_LEASE_MS / 1000),
  visibility,
});
const declareInput = z.strictObject({
  need: z.string().min(1).max(4096),
  capabilities: z.array(z.string().max(64)).max(32),
  budget: z.strictObject({ amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), unit: z.string().max(32) }).optional(),
  deadline: z.number().int().min(0).optional(),
  expiresInSeconds: z.number().int().min(1).max(MAX_INTENT_LIFETIME_MS / 1000).default(3600),
  visibility,
});
/** An intent by its entry id (64 hex) or the 32 hex of its key. */
const intentRef = z.union([z.string().regex(/^[0-9a-f]{64}$/), z.string().regex(/^[0-9a-f]{32}$/).transform((h) => `intent/${h}`)]);
const acceptInput = z.strictObject({ offer: z.string().regex(/^[0-9a-f]{64}$/), principal: principalId.optional() });

const statusOf: Record<AgentRefusalCode, 400 | 403 | 404 | 409 | 429 | 502> = {
  invalid_request: 400,
  not_found: 404,
  forbidden: 403,
  intent_limit: 429,
  unknown_intent: 404,
  unknown_offer: 404,
  expired: 409,
  offer_refused: 502,
};

async function refusing(c: Context<AppEnv>, work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AgentRefusal) return c.json({ error: { code: err.code, message: err.message } }, statusOf[err.code]);
    return purchaseRefused(c, err);
  }
}

export function agentAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/agents", async (c) => c.json({ agents: await registeredAgents(s) }));

  app.get("/agents/discover", async (c) => {
    const q = discoverQuery.safeParse(c.req.query());
    if (!q.success) return fail(c, "invalid_request", "tags: 1–8 capability tags, comma-separated; min_trust 0–100; limit 1–100");
    const { tags, all, min_trust, node, limit } = q.data;
    return c.json({ agents: await discover(s, { tags, limit, ...(all === "true" ? { all: true } : {}), ...(min_trust !== undefined ? { minTrust: min_trust } : {}), ...(node ? { origin: node } : {}) }) });
  });

  app.post("/agents", async (c) => {
    const body = await readJson(c, registerInput);
    if (!body.ok) return body.res;
    const r = body.value;
    return refusing(c, async () =>
      c.json(await registerAgent(s, OPERATOR, { name: r.name, tags: r.tags, descriptors: r.descriptors as never, endpoint: r.endpoint ?? null, ttlSeconds: r.ttlSeconds, ...(r.trust !== undefined ? { trust: r.trust } : {}), ...(r.visibility ? { visibility: r.visibility } : {}) }), 201),
    );
  });

  app.delete("/agents/:name", (c) => refusing(c, async () => c.json(await deregister(s, OPERATOR, c.req.param("name")))));

  app.get("/agents/intents", async (c) => {
    const q = intentQuery.safeParse(c.req.query());
    if (!q.success) return fail(c, "invalid_request", "limit: 1 to 500");
    const intents = await declaredIntents(s, q.data.limit);
    return c.json({ intents: intents.map((i) => ({ ...i, expires: new Date(i.expires).toISOString() })) });
  });

  app.post("/agents/intents", async (c) => {
    const body = await readJson(c, declareInput);
    if (!body.ok) return body.res;
    const { budget, deadline, visibility: v, ...d } = body.value;
    return refusing(c, async () => c.json(await declareIntent(s, OPERATOR, { ...d, ...(budget ? { budget } : {}), ...(deadline !== undefined ? { deadline } : {}), ...(v ? { visibility: v } : {}) }), 201));
  });

  const ref = (c: Context<AppEnv>) => intentRef.safeParse(c.req.param("intent"));

  app.delete("/agents/intents/:intent", (c) => {
    const r = ref(c);
    if (!r.success) return fail(c, "invalid_request", "an intent: its entry id (64 hex) or key (32 hex)");
    return refusing(c, async () => c.json(await withdrawIntent(s, OPERATOR, r.data)));
  });

  app.get("/agents/intents/:intent/offers", (c) => {
    const r = ref(c);
    if (!r.success) return fail(c, "invalid_request", "an intent: its entry id (64 hex) or key (32 hex)");
    return refusing(c, async () => c.json({ offers: await offersFor(s, OPERATOR, r.data) }));
  });

  app.post("/agents/intents/:intent/accept", async (c) => {
    const r = ref(c);
    if (!r.success) return fail(c, "invalid_request", "an intent: its entry id (64 hex) or key (32 hex)");
    const body = await readJson(c, acceptInput);
    if (!body.ok) return body.res;
    return refusing(c, async () => {
      const { offer } = await acceptableOffer(s, OPERATOR, r.data, body.value.offer);
      const { charged, ...subscription } = await buyOffer(s, offer, s.defer, body.value.principal);
      return c.json({ subscription, ...(charged ? { charged } : {}) }, 201);
    });
  });

  return app;
}
