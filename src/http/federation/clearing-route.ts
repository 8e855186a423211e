// POST /federation/v1/clearing (docs/protocol.md §16.2): every step of a clearing round. An
// envelope from an active peer, a channel frame from one, or an envelope from a node whose card
// this node holds (a round's participants are not all peers); the body is one `{kind, …}` of the
// zod union, and a refusal is sealed to the sender with its clearing code.
import type { Context, Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { CHANNEL_CONTENT_TYPE } from "../../protocol/channel/frame.ts";
import { ClearingError } from "../../protocol/clearing/errors.ts";
import { clearingRequest } from "../../protocol/clearing/messages.ts";
import { EnvelopeError } from "../../protocol/envelope/errors.ts";
import { openEnvelope } from "../../protocol/envelope/open.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import { federationPath, parseMessage } from "../../protocol/messages/federation.ts";
import { clearingSender } from "../../node/clearing/senders.ts";
import { log } from "../../node/logging/log.ts";
import type { Services } from "../../node/services.ts";
import type { PeerMessageRoutes } from "./forward-route.ts";
import { receivedEnvelope, type Received } from "./received.ts";

async function sealedAnswer(c: Context, opened: Pick<Received, "sealResponse">, answer: unknown): Promise<Response> {
  const body = await opened.sealResponse(new TextEncoder().encode(JSON.stringify(answer)));
  return c.body(body as Uint8Array<ArrayBuffer>, 200, { "content-type": RESPONSE_CONTENT_TYPE });
}

export function clearingRoute(app: Hono<AppEnv>, s: Services, version: string, r: PeerMessageRoutes): void {
  const path = federationPath(version, "clearing");
  app.post(path, async (c) => {
    let opened: Received;
    if (c.req.header("content-type")?.startsWith(CHANNEL_CONTENT_TYPE)) {
      const fromPeer = await r.openFromPeer(c, path);
      if (fromPeer instanceof Response) return fromPeer;
      opened = fromPeer;
    } else {
      try {
        const identity = await s.identity();
        opened = receivedEnvelope(
          await openEnvelope(new Uint8Array(await c.req.arrayBuffer()), {
            self: { nodeId: identity.nodeId, keys: identity.keyring, primitives: identity.primitives },
            sender: clearingSender(s),
            replay: s.replay,
            now: s.now(),
            skew: s.config.clockSkewSeconds,
            method: "POST",
            path,
            maxBytes: s.config.maxBodyBytes,
          }),
        );
      } catch (err) {
        if (!(err instanceof EnvelopeError)) throw err;
        log.info("federation.refused", { path, code: err.code });
        return c.json(err.toJSON(), err.status);
      }
    }
    const request = parseMessage(opened.plaintext, clearingRequest);
    if (!request) return sealedAnswer(c, opened, { ok: false, error: { code: "bad_request", message: "not a clearing message" } });
    try {
      return await sealedAnswer(c, opened, { ok: true, result: await s.clearing.receive(opened.from, request) });
    } catch (err) {
      if (!(err instanceof ClearingError)) throw err;
      log.info("clearing.refused", { from: opened.from, kind: request.kind, code: err.code });
      return sealedAnswer(c, opened, { ok: false, error: { code: err.code, message: err.message.slice(0, 1000) } });
    }
  });
}
