// Admin API for configuration as code (docs/protocol.md §19.3): export the signed file, plan a
// file against this node (the dry run), apply it. Mounted before the admin body cap: a file may
// be up to 1 MiB, so these routes take their own.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { ConfigFileError, MAX_CONFIG_BYTES, secretName, type ConfigRefusal } from "../../protocol/config/file.ts";
import { applyConfig } from "../../node/config/apply.ts";
import { exportConfig, openConfigFile } from "../../node/config/document.ts";
import { planConfig } from "../../node/config/plan.ts";
import { readState } from "../../node/config/state.ts";
import type { Services } from "../../node/services.ts";
import { liveSecrets } from "../../secrets/redactor.ts";
import type { AppEnv } from "../request/app-env.ts";
import { readJson } from "./respond.ts";

const refusalStatus: Record<ConfigRefusal, 400 | 413 | 422> = {
  malformed: 400,
  too_large: 413,
  unsupported_version: 422,
  secret_value: 422,
  bad_signature: 422,
  untrusted_signer: 422,
};

const common = {
  /** The file's text, as export wrote it (or edited and signed again). */
  file: z.string().min(1),
  /** The node id or key id of a signer trusted besides this node. */
  trustSigner: z.string().regex(/^[a-z2-7]{16}([a-z2-7]{16})?$/, "a node id (32) or key id (16) in base32").optional(),
  prune: z.boolean().default(false),
};
const planBody = z.strictObject({ ...common, secretNames: z.array(secretName).max(1024).default([]) });
const applyBody = z.strictObject({ ...common, secrets: z.record(secretName, z.string().min(1).max(8192)).default({}) });

export function configAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("/config/*", bodyLimit({ maxSize: 2 * MAX_CONFIG_BYTES, onError: (c) => c.json({ error: { code: "too_large", message: `a configuration file is at most ${MAX_CONFIG_BYTES} bytes` } }, 413) }));

  app.get("/config", async (c) => {
    const { text } = await exportConfig(s);
    return c.body(text, 200, { "content-type": "application/json; charset=utf-8" });
  });

  const opened = async (text: string, trustSigner: string | undefined) => {
    try {
      return { ok: true as const, file: await openConfigFile(s, text, trustSigner) };
    } catch (err) {
      if (!(err instanceof ConfigFileError)) throw err;
      return { ok: false as const, error: err };
    }
  };
  const refused = (err: ConfigFileError) => ({ error: { code: err.reason, message: err.message } });

  app.post("/config/plan", async (c) => {
    const body = await readJson(c, planBody);
    if (!body.ok) return body.res;
    const file = await opened(body.value.file, body.value.trustSigner);
    if (!file.ok) return c.json(refused(file.error), refusalStatus[file.error.reason]);
    const plan = planConfig(file.file.config, await readState(s), { prune: body.value.prune, secrets: new Set(body.value.secretNames) });
    return c.json({ signer: file.file.nodeId, plan });
  });

  app.post("/config/apply", async (c) => {
    const body = await readJson(c, applyBody);
    if (!body.ok) return body.res;
    // An upstream's refusal may echo a credential it was given: answers are redacted by value.
    for (const value of Object.values(body.value.secrets)) liveSecrets.add(value);
    const file = await opened(body.value.file, body.value.trustSigner);
    if (!file.ok) return c.json(refused(file.error), refusalStatus[file.error.reason]);
    const result = await applyConfig(s, file.file.config, { prune: body.value.prune, secrets: body.value.secrets, requestUrl: c.req.url });
    s.federatedTools.invalidate();
    return c.json({ signer: file.file.nodeId, ...result });
  });
  return app;
}
