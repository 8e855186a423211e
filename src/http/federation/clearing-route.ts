// POST /federation/v1/clearing (docs/protocol.md §16.2): every step of a clearing round. An
// envelope from an active peer, a channel frame from one, or an envelope from a node whose card
// this node holds (a round's participants are not all peers); the body is one `{kind, …}` of the
// zod union, and a refusal is sealed to the sender with its clearing code.
import type { Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { ClearingError } from "../../protocol/clearing/errors.ts";
import { clearingRequest } from "../../protocol/clearing/messages.ts";
import { federationPath, parseMessage } from "../../protocol/messages/federation.ts";
import { clearingSender } from "../../node/clearing/senders.ts";
import { log } from "../../node/logging/log.ts";
import type { Services } from "../../node/services.ts";
import type { PeerMessageRoutes } from "./known-sender.ts";
import { openFromKnown, sealedAnswer } from "./known-sender.ts";

export function clearingRoute(app: Hono<AppEnv>, s: Services, version: string, r: PeerMessageRoutes): void {
  const path = federationPath(version, "clearing");
  app.post(path, async (c) => {
    const opened = await openFromKnown(c, path, r, clearingSender(s));
    if (opened instanceof Response) return opened;
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
