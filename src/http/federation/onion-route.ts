// POST /federation/v1/onion: an onion hop (docs/protocol.md §14). The body is a fixed-size packet,
// not an envelope, and names no sender, so it never passes the envelope opener; it does pass the
// federation routes' per-source limit and body limit, then the hop role's own limits. Every dropped
// packet gets the same answer, byte for byte, wherever on the path it was dropped. The answer to one
// of this node's own calls, delivered along its reply block (§14.6), comes in here too.
import type { Context } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { sourceOf } from "../../node/access/limits/source.ts";
import { log } from "../../node/logging/log.ts";
import { METRICS } from "../../node/metrics/definitions.ts";
import { OnionDropped, OnionUnavailable, processOnion, type OnionHopPort } from "../../node/routes/onion/hop.ts";
import type { Services } from "../../node/services.ts";
import { receiveSurbAnswer, type SurbInboxPort } from "../../node/routes/onion/surb-inbox.ts";
import { ONION_DROPPED, ONION_DROPPED_STATUS } from "../../protocol/routes/onion/errors.ts";
import { ONION_MEDIA_TYPE } from "../../protocol/routes/onion/sizes.ts";
import { webOnionCipher } from "../../protocol/routes/onion/stream-cipher.ts";

export function onionHandler(s: Services) {
  const port: OnionHopPort = {
    identity: s.identity,
    outbound: s.outbound,
    now: s.now,
    config: s.config,
    cipher: s.platform.onionCipher ?? webOnionCipher,
    replayTags: s.onion.replayTags,
    cards: s.onion.cards,
    offer: s.routes.offer,
    limits: s.routes.limits,
    coverDropped: () => s.metrics.count(METRICS.onionCover, { event: "dropped" }),
  };
  const surbPort: SurbInboxPort = { now: s.now, surbs: s.onion.surbs, offer: s.routes.offer, cipher: port.cipher };
  return async (c: Context<AppEnv>): Promise<Response> => {
    if (c.req.header("content-type")?.split(";")[0]?.trim() !== ONION_MEDIA_TYPE) return c.json(ONION_DROPPED, ONION_DROPPED_STATUS);
    const packet = new Uint8Array(await c.req.arrayBuffer());
    try {
      const reply = (await receiveSurbAnswer(surbPort, packet)) ?? (await processOnion(port, packet, sourceOf(c.get("clientAddress")), c.get("defer")));
      return c.body(reply as Uint8Array<ArrayBuffer>, 200, { "content-type": ONION_MEDIA_TYPE });
    } catch (err) {
      if (err instanceof OnionUnavailable) {
        if (err.retryAfter !== undefined) c.header("Retry-After", String(err.retryAfter));
        return c.json({ error: { code: err.code, message: err.message } }, err.code === "rate_limited" ? 429 : 403);
      }
      if (!(err instanceof OnionDropped)) throw err;
      log.info("onion.dropped", { reason: err.reason });
      return c.json(ONION_DROPPED, ONION_DROPPED_STATUS);
    }
  };
}
