// The relay of the private route (docs/protocol.md §13.6): an active peer hands this node an
// encapsulated request for some node's gateway; this node posts the bytes there and hands back
// the encapsulated response. It knows who asked and which gateway, never what was asked: it
// cannot open either message, and it logs only their sizes and the gateway's id.
import { fromBase64url, toBase64url } from "../../../protocol/encoding/bytes.ts";
import { GATEWAY_REFUSALS } from "../../../protocol/routes/ohttp/errors.ts";
import { OHTTP_REQUEST_TYPE, OHTTP_RESPONSE_TYPE } from "../../../protocol/routes/ohttp/encapsulation.ts";
import type { OhttpRelayRequest, OhttpRelayResult } from "../../../protocol/routes/ohttp/relay-message.ts";
import { ROLE_FEATURES } from "../../../protocol/routes/roles.ts";
import { federationPath } from "../../../protocol/messages/federation.ts";
import { log } from "../../logging/log.ts";
import { readLimited } from "../../outbound/limited-body.ts";
import type { Outbound } from "../../outbound/outbound.ts";
import { knownCard } from "../../peers/origin-cards.ts";
import type { RouteLimits, RouteOffer } from "../offer.ts";
import type { Config } from "../../settings/config.ts";
import type { Database } from "../../../store/database.ts";
import type { Quarantine } from "../../trust/quarantine.ts";
import type { PeerObservations } from "../../trust/observations.ts";

/** How long the gateway may take: a tool's call, so as long as a relayed call may. */
const GATEWAY_TIMEOUT_MS = 10 * 60_000;

export interface RelayPorts {
  db: Database;
  outbound: Outbound;
  config: Pick<Config, "maxBodyBytes">;
  routes: { offer: Pick<RouteOffer, "offers">; limits: Pick<RouteLimits, "over"> };
  quarantine: Pick<Quarantine, "has">;
  /** Where a sender over the role's rate counts against it (docs/security.md, "Refusals as evidence"). */
  trust: { observed: Pick<PeerObservations, "refused"> };
}

const refused = (code: Extract<OhttpRelayResult, { type: "ohttp-refused" }>["code"], message: string, gatewayCode?: string): OhttpRelayResult => ({
  type: "ohttp-refused",
  code,
  message,
  ...(gatewayCode ? { gatewayCode } : {}),
});

export async function relayToGateway(s: RelayPorts, from: string, r: OhttpRelayRequest, signal: AbortSignal): Promise<OhttpRelayResult> {
  if (!s.routes.offer.offers("relay")) return refused("route_not_offered", "this node offers no OHTTP relay");
  if (await s.quarantine.has(from)) return refused("quarantined", "this node holds the sender in quarantine");
  const wait = s.routes.limits.over("relay", from);
  if (wait !== undefined) {
    s.trust.observed.refused(from);
    return refused("rate_limited", `too many relayed requests; retry in ${wait} s`);
  }
  const card = await knownCard(s, r.gateway);
  if (!card?.features.includes(ROLE_FEATURES.gateway)) return refused("unknown_gateway", `this node knows no OHTTP gateway of ${r.gateway}`);
  const request = fromBase64url(r.request);
  const url = new URL(federationPath(card.versions.at(-1) ?? "mcpfed/1", "gateway"), card.url).href;
  const started = performance.now();
  let res: Response;
  try {
    res = await s.outbound.request(url, { method: "POST", headers: { "content-type": OHTTP_REQUEST_TYPE, accept: OHTTP_RESPONSE_TYPE }, body: request as BodyInit, signal }, GATEWAY_TIMEOUT_MS);
  } catch (err) {
    return refused("gateway_unreachable", `cannot reach the gateway of ${r.gateway}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const body = await readLimited(res, s.config.maxBodyBytes).catch(() => undefined);
  if (!body) return refused("gateway_unreachable", `the gateway of ${r.gateway} answered with a broken or oversized body`);
  log.info("ohttp.relayed", { gateway: r.gateway, requestBytes: request.length, responseBytes: body.length, status: res.status, ms: Math.round(performance.now() - started) });
  if (res.ok && res.headers.get("content-type")?.startsWith(OHTTP_RESPONSE_TYPE)) return { type: "ohttp-relayed", response: toBase64url(body) };
  // A refusal before the gateway opened the request is plain JSON (§13.5): its code is passed on.
  const code = gatewayCodeOf(body);
  return code ? refused("gateway_refused", `the gateway of ${r.gateway} refused the request: ${code}`, code) : refused("gateway_unreachable", `the gateway of ${r.gateway} answered HTTP ${res.status}`);
}

function gatewayCodeOf(body: Uint8Array): string | undefined {
  try {
    const code = (JSON.parse(new TextDecoder().decode(body)) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" && code in GATEWAY_REFUSALS ? code : undefined;
  } catch {
    return undefined;
  }
}
