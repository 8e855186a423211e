// The link a principal follows to connect its own credential for a per-principal upstream: signed
// by the node, naming the upstream and the principal, short-lived. Whoever opens it acts for that
// principal on that upstream only, so it is handed to no one but the principal (in its own error).
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { Keys } from "../access/credentials/keys.ts";

export const CONNECT_PATH = "/connect";
const TYP = "connect+jwt";
export const CONNECT_LINK_TTL_SECONDS = 900;

const claims = z.object({ upstream: z.string(), principal: z.string(), jti: z.string(), flow: z.string().optional() });
export type ConnectLinkClaims = z.infer<typeof claims>;

/** The node key that signs connect links. */
export interface ConnectLinkKey {
  access: { keys: Pick<Keys, "connectLinks"> };
}

export class ConnectLinkError extends Error {
  override name = "ConnectLinkError";
}

async function sign(s: ConnectLinkKey, id: string, body: { upstream: string; principal: string; flow?: string }): Promise<string> {
  return new SignJWT(body)
    .setProtectedHeader({ alg: "HS256", typ: TYP })
    .setJti(id)
    .setIssuedAt()
    .setExpirationTime(`${CONNECT_LINK_TTL_SECONDS}s`)
    .sign(await s.access.keys.connectLinks());
}

export async function connectLink(s: ConnectLinkKey, origin: string, upstream: string, principal: string): Promise<{ url: string; id: string }> {
  const id = crypto.randomUUID();
  const token = await sign(s, id, { upstream, principal });
  const url = new URL(`${CONNECT_PATH}/${encodeURIComponent(upstream)}`, origin);
  url.searchParams.set("link", token);
  return { url: url.href, id };
}

/** The OAuth `state` of an authorization a principal started: the link's claims and the flow's id. */
export function connectState(s: ConnectLinkKey, upstream: string, principal: string, flow: string): Promise<string> {
  return sign(s, crypto.randomUUID(), { upstream, principal, flow });
}

/** The link's claims, if it is this node's, unexpired and for `upstream`. */
export async function openConnectLink(s: ConnectLinkKey, token: string, upstream: string): Promise<ConnectLinkClaims> {
  try {
    const { payload } = await jwtVerify(token, await s.access.keys.connectLinks(), { algorithms: ["HS256"], typ: TYP });
    const c = claims.parse(payload);
    if (c.upstream !== upstream) throw new ConnectLinkError("the link is for another upstream");
    return c;
  } catch (err) {
    if (err instanceof ConnectLinkError) throw err;
    throw new ConnectLinkError("the link is invalid or has expired");
  }
}
