// The link a principal follows to connect its own credential for a per-principal upstream: signed
// by the node, naming the upstream and the principal, short-lived. Whoever opens it acts for that
// principal on that upstream only, so it is handed to no one but the principal (in its own error).
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { Services } from "../services.ts";

export const CONNECT_PATH = "/connect";
const TYP = "connect+jwt";
export const CONNECT_LINK_TTL_SECONDS = 900;

const claims = z.object({ upstream: z.string(), principal: z.string(), jti: z.string() });
export type ConnectLinkClaims = z.infer<typeof claims>;

export class ConnectLinkError extends Error {
  override name = "ConnectLinkError";
}

export async function connectLink(s: Services, origin: string, upstream: string, principal: string): Promise<{ url: string; id: string }> {
  const id = crypto.randomUUID();
  const token = await new SignJWT({ upstream, principal })
    .setProtectedHeader({ alg: "HS256", typ: TYP })
    .setJti(id)
    .setIssuedAt()
    .setExpirationTime(`${CONNECT_LINK_TTL_SECONDS}s`)
    .sign(await s.access.keys.connectLinks());
  const url = new URL(`${CONNECT_PATH}/${encodeURIComponent(upstream)}`, origin);
  url.searchParams.set("link", token);
  return { url: url.href, id };
}

/** The link's claims, if it is this node's, unexpired and for `upstream`. */
export async function openConnectLink(s: Services, token: string, upstream: string): Promise<ConnectLinkClaims> {
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
