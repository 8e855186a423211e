// The console's session: after sign-in, a cookie holding a short JWT signed with a key derived
// from NODE_SEED (so every process and isolate accepts it, and nothing is stored per session).
// Signing out marks the session id as ended in the store's counters until its expiry. Each form
// carries a CSRF token that is an HMAC of the session id (synchronizer token, stateless).
import type { Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { jwtVerify, SignJWT } from "jose";
import { toBase64url } from "../../protocol/encoding/bytes.ts";
import { isLoopbackHost } from "../../node/settings/config.ts";
import type { Services } from "../../node/services.ts";
import { randomSecret, sameSecret } from "../../secrets/token-secrets.ts";

export const SESSION_COOKIE = "mcpfed_console";
export const CONSOLE_PATH = "/console";
const SESSION_TTL_SECONDS = 8 * 3600;
const SESSION_TYP = "console+jwt";

export interface ConsoleSession {
  sid: string;
  csrf: string;
}

/** Secure everywhere but plain HTTP on a loopback address, where a browser would drop it. */
function secureCookie(c: Context): boolean {
  const url = new URL(c.req.url);
  return !(url.protocol === "http:" && isLoopbackHost(url.hostname));
}

const endedKey = (sid: string) => `console:signed-out:${sid}`;

async function csrfFor(s: Services, sid: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await s.access.keys.consoleSessions(), new TextEncoder().encode(`csrf:${sid}`));
  return toBase64url(new Uint8Array(mac));
}

export async function startSession(c: Context, s: Services): Promise<void> {
  const sid = randomSecret(18);
  const jwt = await new SignJWT({ sid })
    .setProtectedHeader({ alg: "HS256", typ: SESSION_TYP })
    .setIssuedAt()
    .setExpirationTime(`${SESSION_TTL_SECONDS}s`)
    .sign(await s.access.keys.consoleSessions());
  setCookie(c, SESSION_COOKIE, jwt, { httpOnly: true, secure: secureCookie(c), sameSite: "Strict", path: CONSOLE_PATH, maxAge: SESSION_TTL_SECONDS });
}

// Cookies one node already verified in this process or isolate, with their expiry: a page view then
// costs no signature check and no CSRF MAC (two WebCrypto jobs). Bounded; the oldest is dropped
// first. Signing out is still read from the store on every request, so it holds across isolates.
const VERIFIED_KEPT = 256;
const verifiedBy = new WeakMap<Services, Map<string, ConsoleSession & { exp: number }>>();

async function verifiedCookie(s: Services, jwt: string): Promise<ConsoleSession | undefined> {
  let verified = verifiedBy.get(s);
  if (!verified) verifiedBy.set(s, (verified = new Map()));
  const known = verified.get(jwt);
  if (known && known.exp * 1000 > Date.now()) return known;
  verified.delete(jwt);
  const { payload } = await jwtVerify(jwt, await s.access.keys.consoleSessions(), { algorithms: ["HS256"], typ: SESSION_TYP });
  if (typeof payload.sid !== "string" || typeof payload.exp !== "number") return undefined;
  const session = { sid: payload.sid, csrf: await csrfFor(s, payload.sid), exp: payload.exp };
  if (verified.size >= VERIFIED_KEPT) verified.delete(verified.keys().next().value!);
  verified.set(jwt, session);
  return session;
}

/** The signed-in session of this request, or undefined. */
export async function currentSession(c: Context, s: Services): Promise<ConsoleSession | undefined> {
  const jwt = getCookie(c, SESSION_COOKIE);
  if (!jwt) return undefined;
  try {
    const session = await verifiedCookie(s, jwt);
    if (!session) return undefined;
    if ((await s.access.limits.peek(endedKey(session.sid), SESSION_TTL_SECONDS)) > 0) return undefined;
    return { sid: session.sid, csrf: session.csrf };
  } catch {
    return undefined;
  }
}

export async function endSession(c: Context, s: Services, session: ConsoleSession): Promise<void> {
  await s.access.limits.count(endedKey(session.sid), SESSION_TTL_SECONDS);
  deleteCookie(c, SESSION_COOKIE, { path: CONSOLE_PATH, secure: secureCookie(c), httpOnly: true, sameSite: "Strict" });
}

export function sameCsrf(session: ConsoleSession, sent: string | undefined): Promise<boolean> {
  return sameSecret(sent ?? "", session.csrf);
}

/** The sign-in form's own token, before there is a session: an HMAC of a random nonce also set as a cookie (double submit). */
export const SIGNIN_COOKIE = "mcpfed_console_signin";

export async function signinToken(c: Context, s: Services): Promise<string> {
  const nonce = getCookie(c, SIGNIN_COOKIE) ?? randomSecret(18);
  setCookie(c, SIGNIN_COOKIE, nonce, { httpOnly: true, secure: secureCookie(c), sameSite: "Strict", path: CONSOLE_PATH, maxAge: 3600 });
  return csrfFor(s, `signin:${nonce}`);
}

export async function signinTokenMatches(c: Context, s: Services, sent: string | undefined): Promise<boolean> {
  const nonce = getCookie(c, SIGNIN_COOKIE);
  if (!nonce) return false;
  return sameSecret(sent ?? "", await csrfFor(s, `signin:${nonce}`));
}
