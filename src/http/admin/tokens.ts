// Admin API for credentials: the operator's API tokens, and the OAuth clients that registered
// (their roles, whether they skip consent, and removing them with every session they hold).
import { Hono } from "hono";
import { z } from "zod";
import { fail, readJson } from "./respond.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { apiTokenInput, apiTokenView, createApiToken, listApiTokens, revokeApiToken, roleSchema } from "../../node/access/credentials/api-tokens.ts";
import { clientView, deleteClient, listClients, updateClient } from "../../node/access/oauth/clients.ts";

const clientPatch = z.object({ roles: z.array(roleSchema).max(20), preApproved: z.boolean() }).partial().strict();

export function credentialAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/tokens", async (c) => c.json({ tokens: (await listApiTokens(s.db)).map(apiTokenView) }));

  app.post("/tokens", async (c) => {
    const body = await readJson(c, apiTokenInput);
    if (!body.ok) return body.res;
    const { row, secret } = await createApiToken(s.db, body.value);
    // Shown once: the operator copies it now, or makes another.
    return c.json({ token: apiTokenView(row), secret }, 201);
  });

  app.delete("/tokens/:id", async (c) => {
    const row = await revokeApiToken(s.db, c.req.param("id"));
    if (!row) return fail(c, "not_found", "no such token");
    return c.body(null, 204);
  });

  app.get("/clients", async (c) => c.json({ clients: (await listClients(s.db)).map(clientView) }));

  app.patch("/clients/:id", async (c) => {
    const body = await readJson(c, clientPatch);
    if (!body.ok) return body.res;
    const row = await updateClient(s.db, c.req.param("id"), body.value);
    if (!row) return fail(c, "not_found", "no such client");
    return c.json({ client: clientView(row) });
  });

  // Its codes and sessions go with it, so its access tokens stop working at once.
  app.delete("/clients/:id", async (c) => {
    if (!(await deleteClient(s.db, c.req.param("id")))) return fail(c, "not_found", "no such client");
    return c.body(null, 204);
  });

  return app;
}
