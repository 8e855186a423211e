// Attacks on OAuth onboarding against real node processes: passphrase and registration floods
// from one source (other loopback addresses stand in for other hosts), the authorization
// endpoint as an open redirector, burning a stolen code with a wrong PKCE verifier, and
// revoking a session knowing only its id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeUrl, codeFor, consent, LOOPBACK_REDIRECT, PASSPHRASE, pkce, redirectParams, register, tokenRequest } from "../support/oauth.ts";
import { startNode, type NodeProc } from "../support/processes.ts";
import { fetchFrom } from "../support/source-address.ts";

const ENV = { AUTHLESS: "false", CONSENT_PASSPHRASE: PASSPHRASE };
let node: NodeProc;
let base: string;

beforeAll(async () => {
  node = await startNode({ env: ENV });
  base = node.url;
});
afterAll(() => node?.stop());

/** A registered public client and an authorization URL for it, as the operator would open it. */
async function clientAndUrl(): Promise<{ clientId: string; url: () => string }> {
  const reg = await register(base, { client_name: "c", redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: "none" });
  const { client_id: clientId } = (await reg.json()) as { client_id: string };
  const url = () =>
    authorizeUrl(base, { response_type: "code", client_id: clientId, redirect_uri: LOOPBACK_REDIRECT, code_challenge: pkce().challenge, code_challenge_method: "S256" });
  return { clientId, url };
}

describe("a wrong-passphrase flood", () => {
  it("locks out its own source and client, not the operator", async () => {
    const attacker = fetchFrom("127.0.0.2");
    const victim = await clientAndUrl();
    const other = await clientAndUrl();
    // The operator signed in from 127.0.0.1 before the flood.
    expect(redirectParams(await consent(other.url())).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    for (let i = 0; i < 10; i++) expect((await consent(victim.url(), { passphrase: `wrong-passphrase-${i}`, fetch: attacker })).status).toBe(401);
    expect((await consent(victim.url(), { fetch: attacker })).status).toBe(429);

    // The operator's source gets through, for the flooded client too.
    expect(redirectParams(await consent(other.url())).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(redirectParams(await consent(victim.url())).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A stranger may still consent to other clients; the flooded one is locked for strangers.
    const stranger = fetchFrom("127.0.0.3");
    expect(redirectParams(await consent(other.url(), { fetch: stranger })).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const third = fetchFrom("127.0.0.4");
    expect((await consent(victim.url(), { fetch: third })).status).toBe(429);
    // The admin token opens consent for the flooded client from another source, but the flooding
    // source is refused before any comparison: the lock bounds guesses at the admin token too.
    expect(redirectParams(await consent(victim.url(), { passphrase: node.adminToken, fetch: third })).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await consent(victim.url(), { passphrase: node.adminToken, fetch: attacker })).status).toBe(429);
  });
});

describe("a registration flood", () => {
  let flooded: NodeProc;
  beforeAll(async () => {
    flooded = await startNode({ env: ENV });
  });
  afterAll(() => flooded?.stop());

  const registerFrom = (address: string) =>
    fetchFrom(address)(`${flooded.url}/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "flood", redirect_uris: [LOOPBACK_REDIRECT], token_endpoint_auth_method: "none" }),
    });

  it("is held to its own source, and past the node-wide ceiling new sources still register", async () => {
    for (let i = 0; i < 20; i++) expect((await registerFrom("127.0.0.2")).status).toBe(201);
    const refused = await registerFrom("127.0.0.2");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: "temporarily_unavailable" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await registerFrom("127.0.0.3")).status).toBe(201);

    // 300 registrations from 15 more addresses pass the node-wide ceiling of 300 an hour.
    for (let a = 10; a < 25; a++) {
      const codes = await Promise.all(Array.from({ length: 20 }, () => registerFrom(`127.0.0.${a}`).then((r) => r.status)));
      expect(codes.filter((c) => c === 201).length).toBeGreaterThan(0);
    }
    // A source that already registered this hour waits; one that has not still gets in.
    expect((await registerFrom("127.0.0.3")).status).toBe(429);
    expect((await registerFrom("127.0.0.50")).status).toBe(201);
    expect((await registerFrom("127.0.0.50")).status).toBe(429);
  });
});

describe("the authorization endpoint", () => {
  it("never redirects an error to a redirect URI the operator has not approved", async () => {
    const reg = await (await register(base, { client_name: "phish", redirect_uris: ["https://evil.example/cb"], token_endpoint_auth_method: "none" })).json();
    for (const params of [{ response_type: "token" }, { response_type: "code" }, { response_type: "code", code_challenge: pkce().challenge, code_challenge_method: "S256", scope: "nope" }]) {
      const res = await fetch(authorizeUrl(base, { client_id: reg.client_id, redirect_uri: "https://evil.example/cb", state: "s", ...params }), { redirect: "manual" });
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toMatch(/unsupported_response_type|invalid_request|invalid_scope/);
    }
  });

  it("still redirects errors to a client the operator approved", async () => {
    const { clientId, url } = await clientAndUrl();
    expect(redirectParams(await consent(url(), { remember: true })).get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const res = await fetch(authorizeUrl(base, { response_type: "token", client_id: clientId, redirect_uri: LOOPBACK_REDIRECT, state: "s" }), { redirect: "manual" });
    expect(redirectParams(res).get("error")).toBe("unsupported_response_type");
    expect(redirectParams(res).get("state")).toBe("s");
  });
});

describe("a stolen authorization code", () => {
  const exchange = (c: { code: string; redirectUri: string; clientId: string }, verifier: string) =>
    tokenRequest(base, { grant_type: "authorization_code", code: c.code, code_verifier: verifier, redirect_uri: c.redirectUri, client_id: c.clientId });

  it("cannot be burnt by a presenter without the verifier, before or after its use", async () => {
    const c = await codeFor(base);
    const wrong = await exchange(c, pkce().verifier);
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringContaining("code_verifier") });
    const otherClient = await clientAndUrl();
    expect((await exchange({ ...c, clientId: otherClient.clientId }, c.verifier)).status).toBe(400);

    const ok = await exchange(c, c.verifier);
    expect(ok.status).toBe(200);
    const tokens = (await ok.json()) as { refresh_token: string };
    // A replay without the verifier is refused and does not revoke the client's session...
    expect((await exchange(c, pkce().verifier)).status).toBe(400);
    const refreshed = await tokenRequest(base, { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: c.clientId });
    expect(refreshed.status).toBe(200);
    // ...while one with it is a real replay, and does.
    const replay = await exchange(c, c.verifier);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringContaining("already used") });
    const { refresh_token: next } = (await refreshed.json()) as { refresh_token: string };
    expect((await tokenRequest(base, { grant_type: "refresh_token", refresh_token: next, client_id: c.clientId })).status).toBe(400);
  });
});

describe("revocation", () => {
  it("needs the refresh token's secret, not only its session id", async () => {
    const c = await codeFor(base);
    const res = await tokenRequest(base, { grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: c.redirectUri, client_id: c.clientId });
    const { refresh_token: rt } = (await res.json()) as { refresh_token: string };
    const [, sessionId, generation] = rt.split(".");
    const forged = `rt.${sessionId}.${generation}.${pkce().verifier}`;
    const revoke = (token: string) =>
      fetch(`${base}/oauth/revoke`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token, client_id: c.clientId }) });
    expect((await revoke(forged)).status).toBe(200);
    const refreshed = await tokenRequest(base, { grant_type: "refresh_token", refresh_token: rt, client_id: c.clientId });
    expect(refreshed.status).toBe(200);
    const { refresh_token: next } = (await refreshed.json()) as { refresh_token: string };
    expect((await revoke(next)).status).toBe(200);
    expect((await tokenRequest(base, { grant_type: "refresh_token", refresh_token: next, client_id: c.clientId })).status).toBe(400);
  });
});
