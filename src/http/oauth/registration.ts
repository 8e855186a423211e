// Dynamic client registration (RFC 7591): open, as MCP clients (claude.ai among them) register
// themselves, but counted per source, so that registrations cannot flood the store.
import { Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { sourceOf } from "../../node/access/limits/source.ts";
import type { Services } from "../../node/services.ts";
import { registerClient, registrationResponse, registrationSchema } from "../../node/access/oauth/clients.ts";
import { OAuthError } from "../../node/access/oauth/errors.ts";
import { oauthErrorResponse } from "./errors.ts";
import { OAUTH_PATHS } from "./metadata.ts";

/**
 * Registrations per hour from one source, and node-wide. Past the node-wide ceiling a source that
 * has not registered this hour still may: a flood from one address cannot shut out new clients,
 * and one from many addresses is held to one registration per address.
 */
const REGISTRATION_LIMITS = { windowSeconds: 3600, perSource: 20, global: 300 } as const;
/**
 * Past the ceiling each new source still gets one registration, so that a flood does not lock
 * real clients out; past this many times the ceiling, nobody does (many /64s are cheap to hold).
 */
const HARD_CEILING_FACTOR = 10;

export function registrationRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(OAUTH_PATHS.register, async (c) => {
    c.header("Cache-Control", "no-store");
    try {
      let raw: unknown;
      try {
        raw = await c.req.json();
      } catch {
        throw new OAuthError("invalid_client_metadata", "the body is not valid JSON");
      }
      const parsed = registrationSchema.safeParse(raw);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new OAuthError("invalid_client_metadata", `${first?.path.join(".") || "body"}: ${first?.message ?? "invalid"}`);
      }
      const { windowSeconds: w, perSource, global } = REGISTRATION_LIMITS;
      const [fromSource, overall] = await Promise.all([
        s.access.limits.count(`oauth:registrations:source:${sourceOf(c.var.clientAddress)}`, w),
        s.access.limits.count("oauth:registrations", w),
      ]);
      if (fromSource.count > perSource || (overall.count > global && fromSource.count > 1) || overall.count > global * HARD_CEILING_FACTOR) {
        c.header("Retry-After", String(fromSource.retryAfterSeconds));
        throw new OAuthError("temporarily_unavailable", "too many client registrations from this address; try again later", 429);
      }
      const { row, secret } = await registerClient(s.db, parsed.data);
      await s.access.audit.append({ actor: `client:${row.clientId}`, action: "auth.register", target: row.clientId, decision: "ok", reason: "registered", details: { name: row.name, redirectUris: row.redirectUris } });
      return c.json(registrationResponse(row, secret), 201);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      return oauthErrorResponse(c, err);
    }
  });
  return app;
}
