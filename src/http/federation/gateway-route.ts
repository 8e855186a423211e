// POST /federation/v1/gateway: the Oblivious HTTP gateway (docs/protocol.md §13). Its body is not
// an envelope and names no sender, so it never passes the envelope opener; it does pass the
// federation routes' per-source limit and body limit, then the gateway role's own limits, per
// source address and in total, before any cryptography.
import type { Context } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { sourceOf } from "../../node/access/limits/source.ts";
import { log } from "../../node/logging/log.ts";
import { TOTAL } from "../../node/routes/offer.ts";
import { serveGateway } from "../../node/routes/gateway/gateway.ts";
import type { Services } from "../../node/services.ts";
import { OHTTP_REQUEST_TYPE, OHTTP_RESPONSE_TYPE } from "../../protocol/routes/ohttp/encapsulation.ts";
import { GatewayError } from "../../protocol/routes/ohttp/errors.ts";

function refused(c: Context, err: GatewayError): Response {
  log.info("gateway.refused", { code: err.code });
  return c.json(err.toJSON(), err.status);
}

export function gatewayHandler(s: Services) {
  const answer = gatewayAnswer(s);
  return async (c: Context<AppEnv>): Promise<Response> => {
    // Every answer, whichever check ends it, waits out the same floor (§13.5).
    const floor = s.routes.answerFloor.start();
    const res = await answer(c);
    await floor();
    return res;
  };
}

function gatewayAnswer(s: Services) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    if (!s.routes.offer.offers("gateway")) return refused(c, new GatewayError("route_not_offered", "this node offers no OHTTP gateway"));
    const wait = s.routes.limits.over("gateway", sourceOf(c.get("clientAddress"))) ?? s.routes.limits.over("gateway", TOTAL);
    if (wait !== undefined) {
      c.header("Retry-After", String(wait));
      return refused(c, new GatewayError("rate_limited", `too many gateway requests; retry in ${wait} s`));
    }
    if (c.req.header("content-type")?.split(";")[0]?.trim() !== OHTTP_REQUEST_TYPE) {
      return refused(c, new GatewayError("malformed", `the body must be ${OHTTP_REQUEST_TYPE}`));
    }
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    try {
      const sealed = await serveGateway(s, bytes, { signal: c.req.raw.signal, defer: c.get("defer") });
      return c.body(sealed as Uint8Array<ArrayBuffer>, 200, { "content-type": OHTTP_RESPONSE_TYPE });
    } catch (err) {
      if (err instanceof GatewayError) return refused(c, err);
      throw err;
    }
  };
}
