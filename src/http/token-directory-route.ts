// GET /.well-known/private-token-issuer-directory: this node's Privacy Pass issuer directory
// (RFC 9578 §4, docs/protocol.md §15.2), public like the card. Absent when the node issues no tokens.
import { Hono } from "hono";
import type { AppEnv } from "./request/app-env.ts";
import { ownOrigin } from "../node/card/own.ts";
import type { Services } from "../node/services.ts";
import { identitySigner } from "../node/registry/node-keys.ts";
import { issuerDirectory } from "../node/tokens/issuer-keys.ts";
import { federationPath } from "../protocol/messages/federation.ts";
import { DIRECTORY_CONTENT_TYPE, DIRECTORY_PATH, signDirectory } from "../protocol/tokens/directory.ts";
import { PROTOCOL_VERSIONS } from "../protocol/versions.ts";

export function tokenDirectoryRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(DIRECTORY_PATH, async (c) => {
    if (!s.config.tokens.issue) return c.json({ error: "this node issues no tokens" }, 404);
    const saleUri = federationPath(PROTOCOL_VERSIONS.at(-1)!, "token-sale");
    // Signed so that a provider accepting this node's tokens can trust its keys from any copy (§15.9).
    const directory = await signDirectory(await issuerDirectory(s, ownOrigin(s, c.req.url), saleUri, Date.now()), identitySigner(await s.identity()));
    // Short-lived: a consumer buying under a key about to be replaced learns the new one soon.
    return c.body(JSON.stringify(directory), 200, { "content-type": DIRECTORY_CONTENT_TYPE, "cache-control": "public, max-age=60" });
  });
  return app;
}
