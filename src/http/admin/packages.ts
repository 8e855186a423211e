// The operator's packages (protocol §18): search and info over the package entries held, install,
// the versions side by side (use, rollback, update, verify, remove), and publishing this node's own.
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { principalId, purchaseRefused } from "./charged-purchases.ts";
import type { Services } from "../../node/services.ts";
import { PackageError, type PackageErrorCode } from "../../node/packages/errors.ts";
import { installPackage } from "../../node/packages/install.ts";
import { listPackages, remove, rollback, update, verify } from "../../node/packages/versions.ts";
import { switchTo } from "../../node/packages/switch.ts";
import { packageInfo, searchPackages } from "../../node/packages/search.ts";
import { publishInput, publishPackage } from "../../node/packages/publish.ts";
import { MAX_UPLOAD_BYTES } from "../../node/packages/artifacts.ts";
import { tryInput, tryPackage } from "../../node/packages/try.ts";

/** A base64 tarball of MAX_UPLOAD_BYTES and the rest of the request. */
const UPLOAD_BODY_BYTES = Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 256 * 1024;

const installInput = z.strictObject({
  name: z.string().min(1).max(64),
  origin: z.string().max(128).optional(),
  version: z.string().max(64).optional(),
  upstream: z.string().max(32).optional(),
  env: z.record(z.string().max(128), z.string().max(8192)).optional(),
  use: z.boolean().optional(),
  principal: principalId.optional(),
});
const versionInput = z.strictObject({ version: z.string().min(1).max(64) });
const updateInput = z.strictObject({ range: z.string().min(1).max(256).optional() });

const statusOf: Record<PackageErrorCode, "invalid_request" | "not_found" | "conflict" | "unsupported" | "bad_gateway"> = {
  packages_unsupported: "unsupported",
  unknown_package: "not_found",
  ambiguous_package: "conflict",
  not_installed: "not_found",
  invalid_request: "invalid_request",
  integrity_mismatch: "bad_gateway",
  hash_mismatch: "bad_gateway",
  fetch_failed: "bad_gateway",
  unsafe_archive: "bad_gateway",
  bundle_malformed: "invalid_request",
  unsupported_server_type: "unsupported",
  unsupported_bundle: "unsupported",
  version_rollback: "conflict",
  no_previous_version: "conflict",
  no_newer_version: "conflict",
  tampered: "conflict",
  in_use: "conflict",
  licence_refused: "bad_gateway",
  index_unavailable: "bad_gateway",
  index_malformed: "bad_gateway",
  index_bad_signature: "bad_gateway",
  index_expired: "bad_gateway",
  index_replayed: "conflict",
  not_in_index: "conflict",
};

/** A package refusal as the admin API answers it: the generic code's status, the package's own code as `reason`. */
async function answer(c: Context<AppEnv>, work: () => Promise<unknown>) {
  try {
    return c.json(await work());
  } catch (err) {
    if (!(err instanceof PackageError)) return purchaseRefused(c, err);
    return fail(c, statusOf[err.code], err.message, undefined, err.code);
  }
}

/**
 * The routes whose body may carry a package's tarball (base64): mounted before the admin API's
 * general body cap, with their own.
 */
export function packageUploadRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const path of ["/packages/publish", "/packages/try"]) app.use(path, bodyLimit({ maxSize: UPLOAD_BODY_BYTES, onError: (c) => fail(c, "invalid_request", "body too large") }));
  // Runs the package in the sandbox against a scratch folder: nothing registered, nothing published.
  app.post("/packages/try", async (c) => {
    const body = await readJson(c, tryInput);
    if (!body.ok) return body.res;
    return answer(c, () => tryPackage(s, body.value));
  });
  app.post("/packages/publish", async (c) => {
    const body = await readJson(c, publishInput);
    if (!body.ok) return body.res;
    return answer(c, async () => {
      const { entry, body: published } = await publishPackage(s, body.value);
      return { id: entry.id, key: entry.signed.key, visibility: entry.signed.visibility, body: published };
    });
  });
  return app;
}

export function packageAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/packages/search", (c) => answer(c, async () => ({ packages: await searchPackages(s, (c.req.query("q") ?? "").slice(0, 256)) })));
  app.get("/packages/available/:name", (c) => answer(c, () => packageInfo(s, c.req.param("name"), c.req.query("origin") || undefined)));
  app.get("/packages", (c) => answer(c, async () => ({ packages: await listPackages(s) })));

  app.post("/packages", async (c) => {
    const body = await readJson(c, installInput);
    if (!body.ok) return body.res;
    return answer(c, () => installPackage(s, body.value));
  });
  app.post("/packages/:upstream/use", async (c) => {
    const body = await readJson(c, versionInput);
    if (!body.ok) return body.res;
    return answer(c, () => switchTo(s, c.req.param("upstream"), body.value.version));
  });
  app.post("/packages/:upstream/rollback", (c) => answer(c, () => rollback(s, c.req.param("upstream"))));
  app.post("/packages/:upstream/update", async (c) => {
    const body = await readJson(c, updateInput);
    if (!body.ok) return body.res;
    return answer(c, () => update(s, c.req.param("upstream"), body.value.range));
  });
  app.post("/packages/:upstream/verify", (c) => answer(c, () => verify(s, c.req.param("upstream"), c.req.query("version") || undefined)));
  app.delete("/packages/:upstream", (c) => answer(c, () => remove(s, c.req.param("upstream"), c.req.query("version") || undefined)));
  return app;
}
