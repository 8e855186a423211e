// The operator's provider groups in the admin API: peers whose tools of one fingerprint may
// serve each other's calls (without a group, a peer's tool goes to that peer only).
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { groupViews, removeProviderGroup, setGroup } from "../../node/catalog/provider-groups.ts";
import type { Services } from "../../node/services.ts";

const groupName = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "1 to 64 letters, digits, dots, dashes or underscores");
// One member alone would group nothing: a peer's tool is served by that peer already.
const groupInput = z.object({ members: z.array(z.string().min(1).max(128)).min(2).max(32) }).strict();

export function providerGroupAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/provider-groups", async (c) => c.json({ groups: await groupViews(s.db) }));

  app.put("/provider-groups/:name", async (c) => {
    const name = groupName.safeParse(c.req.param("name"));
    if (!name.success) return fail(c, "invalid_request", `a group name is ${name.error.issues[0]?.message}`);
    const body = await readJson(c, groupInput);
    if (!body.ok) return body.res;
    const set = await setGroup(s.db, name.data, body.value.members);
    if (!set.ok) return fail(c, "not_found", `not a peer of this node: ${set.unknown.join(", ")}`);
    const group = (await groupViews(s.db)).find((g) => g.name === name.data);
    return c.json({ group });
  });

  app.delete("/provider-groups/:name", async (c) => {
    if (!(await removeProviderGroup(s.db, c.req.param("name")))) return fail(c, "not_found", `no provider group ${c.req.param("name")}`);
    return c.body(null, 204);
  });

  return app;
}
