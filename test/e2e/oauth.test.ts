// OAuth 2.1 end to end against a real node process with auth on: the SDK client's own OAuth
// support for the happy path, and hand-made requests for everything that must fail.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueAccessToken } from "../../src/node/access/credentials/access-tokens.ts";
import { Keys } from "../../src/node/access/credentials/keys.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { rawMcp } from "../support/mcp.ts";
import {
  authorizeUrl,
  codeFor,
  connectWithOAuth,
  consent,
  LOOPBACK_REDIRECT,
  MemoryOAuthProvider,
  PASSPHRASE,
  pkce,
  redirectParams,
  register,
  tokenRequest,
} from "../support/oauth.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { eventually, freePort, type NodeProc, type Upstream } from "../support/processes.ts";

const SEED = newSeed();
const LIST = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

let everything: Upstream;
let node: NodeProc;
let base: string;

beforeAll(async () => {
  ({ node, everything } = await startNodeWithEverything({ env: { AUTHLESS: "false", NODE_SEED: SEED, CONSENT_PASSPHRASE: PASSPHRASE } }));
  base = node.url;
});

afterAll(async () => {
  await Promise.all([node?.stop(), everything?.stop()]);
});

async function tokensByHand(opts: { scope?: string } = {}) {
  const c = await codeFor(base, opts);
  const res = await tokenRequest(base, {
    grant_type: "authorization_code",
    code: c.code,
    code_verifier: c.verifier,
    redirect_uri: c.redirectUri,
    client_id: c.clientId,
    resource: `${base}/mcp`,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; refresh_token: string; scope: string };
  return { ...c, ...body };
}

describe("discovery", () => {
  it("answers an unauthenticated /mcp with 401 and where to find the resource metadata", async () => {
    const res = await rawMcp(node.mcpUrl, LIST);
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`);
    expect(challenge).toContain('scope="mcp:read mcp:call mcp:grants"');
  });

  it("publishes protected-resource and authorization-server metadata", async () => {
    const prm = await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(prm).toMatchObject({ resource: `${base}/mcp`, authorization_servers: [base], bearer_methods_supported: ["header"] });
    const as = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
    expect(as).toMatchObject({
      issuer: base,
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
      response_types_supported: ["code"],
    });
    expect(as.token_endpoint_auth_methods_supported).toContain("none");
    const jwks = await (await fetch(as.jwks_uri)).json();
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(jwks.keys[0].d).toBeUndefined();
  });
});

describe("the SDK client's OAuth flow", () => {
  let client: Client;
  let provider: MemoryOAuthProvider;

  beforeAll(async () => {
    ({ client, provider } = await connectWithOAuth(node.mcpUrl));
  });
  afterAll(async () => {
    await client?.close();
  });

  it("registers, consents, gets tokens and calls a tool", async () => {
    expect(provider.client?.client_id).toMatch(/^mcpfed-/);
    expect(provider.saved?.refresh_token).toMatch(/^rt\./);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain("everything_echo");
    const r = await client.callTool({ name: "everything_echo", arguments: { message: "through oauth" } });
    expect(r.content).toEqual([{ type: "text", text: "Echo: through oauth" }]);
    await eventually(async () => {
      const log = (await (await node.admin("GET", "/invocations?limit=5")).json()).invocations;
      expect(log[0]).toMatchObject({ toolName: "everything_echo", caller: `client:${provider.client!.client_id}` });
    });
  });

  it("refreshes a token the server no longer accepts, through the SDK, with a rotated refresh token", async () => {
    const before = provider.saved!;
    // An access token the node refuses: the SDK must fall back on its refresh token by itself.
    provider.saved = { ...before, access_token: "eyJhbGciOiJFZERTQSJ9.e30.AAAA" };
    const fresh = new Client({ name: "mcpfed-test", version: "0.0.0" });
    await fresh.connect(new StreamableHTTPClientTransport(new URL(node.mcpUrl), { authProvider: provider }));
    expect(provider.saved!.refresh_token).not.toBe(before.refresh_token);
    expect((await fresh.listTools()).tools.length).toBeGreaterThan(3);
    await fresh.close();

    // The old refresh token again: a replay. The whole session is revoked.
    const replay = await tokenRequest(base, { grant_type: "refresh_token", refresh_token: before.refresh_token, client_id: provider.client!.client_id });
    expect(replay.status).toBe(400);
    expect((await replay.json()).error).toBe("invalid_grant");
    expect((await rawMcp(node.mcpUrl, LIST, bearer(provider.saved!.access_token))).status).toBe(401);
  });

  it("revokes: the refresh token and every access token of the session stop working", async () => {
    const t = await tokensByHand();
    expect((await rawMcp(node.mcpUrl, LIST, bearer(t.access_token))).status).toBe(200);
    const res = await fetch(`${base}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: t.refresh_token, token_type_hint: "refresh_token", client_id: t.clientId }),
    });
    expect(res.status).toBe(200);
    const after = await rawMcp(node.mcpUrl, LIST, bearer(t.access_token));
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const refresh = await tokenRequest(base, { grant_type: "refresh_token", refresh_token: t.refresh_token, client_id: t.clientId });
    expect((await refresh.json()).error).toBe("invalid_grant");
  });
});

describe("tampering fails", () => {
  const keys = new Keys(parseSeed(SEED));

  it("refuses a token signed by the node for another audience", async () => {
    const t = await tokensByHand();
    const session = JSON.parse(atob(t.access_token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid;
    const { token } = await issueAccessToken(keys, { issuer: base, audience: "https://elsewhere.example/mcp", clientId: t.clientId, sessionId: session, scopes: ["mcp:read"] });
    const res = await rawMcp(node.mcpUrl, LIST, bearer(token));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("another resource");
  });

  it("refuses an expired token, and one signed with another key", async () => {
    const t = await tokensByHand();
    const sid = JSON.parse(atob(t.access_token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid;
    const expired = await issueAccessToken(keys, { issuer: base, audience: `${base}/mcp`, clientId: t.clientId, sessionId: sid, scopes: ["mcp:read"], ttlSeconds: -60 });
    const res = await rawMcp(node.mcpUrl, LIST, bearer(expired.token));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("expired");
    const forged = await issueAccessToken(new Keys(parseSeed(newSeed())), { issuer: base, audience: `${base}/mcp`, clientId: t.clientId, sessionId: sid, scopes: ["mcp:read"] });
    expect((await rawMcp(node.mcpUrl, LIST, bearer(forged.token))).status).toBe(401);
    // The same claims signed with the node's key do pass: the refusals above are for the reasons given.
    const good = await issueAccessToken(keys, { issuer: base, audience: `${base}/mcp`, clientId: t.clientId, sessionId: sid, scopes: ["mcp:read"] });
    expect((await rawMcp(node.mcpUrl, LIST, bearer(good.token))).status).toBe(200);
  });

  it("refuses a replayed code, and revokes what the first exchange gave", async () => {
    const c = await codeFor(base);
    const exchange = () =>
      tokenRequest(base, { grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: c.redirectUri, client_id: c.clientId });
    const first = await exchange();
    expect(first.status).toBe(200);
    const { access_token } = await first.json();
    const second = await exchange();
    expect(second.status).toBe(400);
    expect((await second.json()).error).toBe("invalid_grant");
    expect((await rawMcp(node.mcpUrl, LIST, bearer(access_token))).status).toBe(401);
  });

  it("refuses a missing or wrong PKCE verifier, and authorization without S256", async () => {
    const c = await codeFor(base);
    const missing = await tokenRequest(base, { grant_type: "authorization_code", code: c.code, redirect_uri: c.redirectUri, client_id: c.clientId });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringContaining("code_verifier") });
    const d = await codeFor(base);
    const wrong = await tokenRequest(base, { grant_type: "authorization_code", code: d.code, code_verifier: pkce().verifier, redirect_uri: d.redirectUri, client_id: d.clientId });
    expect((await wrong.json()).error).toBe("invalid_grant");

    const reg = await (await register(base, { client_name: "x", redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: "none" })).json();
    const common = { response_type: "code", client_id: reg.client_id, redirect_uri: LOOPBACK_REDIRECT, state: "s" };
    // Shown, not redirected: the operator has not approved this client's redirect URI yet.
    for (const extra of [{}, { code_challenge: pkce().challenge, code_challenge_method: "plain" }]) {
      const res = await fetch(authorizeUrl(base, { ...common, ...extra }), { redirect: "manual" });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("invalid_request");
    }
  });

  it("refuses an unregistered redirect URI without redirecting to it", async () => {
    const reg = await (await register(base, { client_name: "x", redirect_uris: ["https://app.example/cb"], token_endpoint_auth_method: "none" })).json();
    const res = await fetch(
      authorizeUrl(base, { response_type: "code", client_id: reg.client_id, redirect_uri: "https://evil.example/cb", code_challenge: pkce().challenge, code_challenge_method: "S256" }),
      { redirect: "manual" },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    // Nor can a client register a plain-http redirect off loopback.
    const bad = await register(base, { redirect_uris: ["http://app.example/cb"] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe("invalid_redirect_uri");
  });

  it("keeps the consent page locked without the passphrase, and refuses forms from other origins", async () => {
    const reg = await (await register(base, { client_name: "<b>Evil</b>", redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: "none" })).json();
    const url = authorizeUrl(base, { response_type: "code", client_id: reg.client_id, redirect_uri: LOOPBACK_REDIRECT, code_challenge: pkce().challenge, code_challenge_method: "S256" });
    const page = await fetch(url);
    const html = await page.text();
    expect(html).toContain("&lt;b&gt;Evil&lt;/b&gt;");
    expect(html).toContain(LOOPBACK_REDIRECT);
    expect(html).toContain("mcp:call");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect((await consent(url, { passphrase: "wrong-passphrase" })).status).toBe(401);
    expect((await consent(url, { origin: "https://evil.example" })).status).toBe(403);
    expect((await consent(url, { origin: "null" })).status).toBe(403);
    // What a browser sends from the page itself is accepted.
    expect(redirectParams(await consent(url, { origin: base })).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(page.headers.get("referrer-policy")).toBe("same-origin");
    const denied = redirectParams(await consent(url, { decision: "deny" }));
    expect(denied.get("error")).toBe("access_denied");
  });

  it("answers a token with too narrow a scope with 403 insufficient_scope", async () => {
    const t = await tokensByHand({ scope: "mcp:read" });
    expect(t.scope).toBe("mcp:read");
    expect((await rawMcp(node.mcpUrl, LIST, bearer(t.access_token))).status).toBe(200);
    const call = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "everything_echo", arguments: { message: "x" } } });
    const res = await rawMcp(node.mcpUrl, call, bearer(t.access_token));
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toMatch(/error="insufficient_scope".*scope="mcp:call"/);
  });

  it("keeps admin routes out of reach of OAuth tokens, and /mcp out of reach of the admin token", async () => {
    const t = await tokensByHand();
    expect((await fetch(`${base}/admin/upstreams`, { headers: bearer(t.access_token) })).status).toBe(401);
    expect((await rawMcp(node.mcpUrl, LIST, bearer(node.adminToken))).status).toBe(401);
  });
});

describe("clients Claude uses", () => {
  it("sends codes to the claude.ai and claude.com callbacks, and to any loopback port", async () => {
    const callbacks = ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"];
    const reg = await (await register(base, { client_name: "Claude", redirect_uris: [...callbacks, "http://localhost:1/callback"], token_endpoint_auth_method: "client_secret_post" })).json();
    expect(reg.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const cb of [...callbacks, "http://localhost:54321/callback"]) {
      const { verifier, challenge } = pkce();
      const res = await consent(authorizeUrl(base, { response_type: "code", client_id: reg.client_id, redirect_uri: cb, code_challenge: challenge, code_challenge_method: "S256", state: "st", resource: `${base}/mcp` }));
      const location = new URL(res.headers.get("location")!);
      expect(`${location.origin}${location.pathname}`).toBe(cb.replace(/\/$/, ""));
      expect(location.searchParams.get("state")).toBe("st");
      expect(location.searchParams.get("iss")).toBe(base);
      const tokens = await tokenRequest(base, { grant_type: "authorization_code", code: location.searchParams.get("code")!, code_verifier: verifier, redirect_uri: cb, client_id: reg.client_id, client_secret: reg.client_secret });
      expect(tokens.status).toBe(200);
    }
    const noSecret = await tokenRequest(base, { grant_type: "refresh_token", refresh_token: "rt.x", client_id: reg.client_id });
    expect(noSecret.status).toBe(401);
  });

  it("skips consent for a client the operator pre-approved", async () => {
    const reg = await (await register(base, { client_name: "remembered", redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: "none" })).json();
    const url = () => authorizeUrl(base, { response_type: "code", client_id: reg.client_id, redirect_uri: LOOPBACK_REDIRECT, code_challenge: pkce().challenge, code_challenge_method: "S256" });
    expect((await fetch(url(), { redirect: "manual" })).status).toBe(200);
    expect(redirectParams(await consent(url(), { remember: true })).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await fetch(url(), { redirect: "manual" });
    expect(redirectParams(again).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  describe("a client ID metadata document", () => {
    let docServer: Server;
    let docUrl: string;

    beforeAll(async () => {
      const port = await freePort();
      docUrl = `http://127.0.0.1:${port}/oauth/client.json`;
      docServer = createServer((req, res) => {
        const doc = { client_id: req.url === "/oauth/client.json" ? docUrl : "https://someone-else.example/x", client_name: "Documented client", redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: "none" };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
      });
      await new Promise<void>((r) => docServer.listen(port, "127.0.0.1", r));
    });
    afterAll(() => new Promise<void>((r) => docServer.close(() => r())));

    it("is fetched, shown on the consent page, and used as client_id without registration", async () => {
      const { verifier, challenge } = pkce();
      const url = authorizeUrl(base, { response_type: "code", client_id: docUrl, redirect_uri: LOOPBACK_REDIRECT, code_challenge: challenge, code_challenge_method: "S256" });
      expect(await (await fetch(url)).text()).toContain("Documented client");
      const code = redirectParams(await consent(url)).get("code")!;
      const tokens = await tokenRequest(base, { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: LOOPBACK_REDIRECT, client_id: docUrl });
      expect(tokens.status).toBe(200);
    });

    it("is refused when its client_id is not its own URL", async () => {
      const other = docUrl.replace("/oauth/client.json", "/oauth/other.json");
      const res = await fetch(authorizeUrl(base, { response_type: "code", client_id: other, redirect_uri: LOOPBACK_REDIRECT, code_challenge: pkce().challenge, code_challenge_method: "S256" }));
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("not its own URL");
    });
  });
});

it("never writes a token or the passphrase to its output", async () => {
  const t = await tokensByHand();
  await rawMcp(node.mcpUrl, LIST, bearer(t.access_token));
  await rawMcp(node.mcpUrl, LIST, bearer(`${t.access_token}x`));
  const out = node.output();
  for (const secret of [t.access_token, t.refresh_token, PASSPHRASE, t.code]) expect(out).not.toContain(secret);
});
