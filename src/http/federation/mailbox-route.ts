// Mailboxes (docs/protocol.md §20.6), both sides. As the mailbox: `mailbox-poll` and
// `mailbox-answer`, each a message from an active peer that names this node as its mailbox. As
// the node behind mailboxes: the serving of one held message, as the destination of a forwarded
// call, with the call stream read whole to travel back in a `mailbox-answer`.
import type { Context, Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { toBase64url } from "../../protocol/encoding/bytes.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import { federationPath, parseMessage } from "../../protocol/messages/federation.ts";
import { mailboxAnswerRequest, mailboxPollRequest, MAX_MAILBOX_ANSWER_BYTES, type MailboxAnswer } from "../../protocol/routes/mailbox.ts";
import { readLimited } from "../../node/outbound/limited-body.ts";
import { acceptAnswer, pollHeld } from "../../node/mailbox/holder.ts";
import type { ServeForwarded } from "../../node/mailbox/poller.ts";
import type { Services } from "../../node/services.ts";
import { serveForwarded, type PeerMessageRoutes } from "./forward-route.ts";
import type { Received } from "./received.ts";

async function sealedAnswer(c: Context, opened: Pick<Received, "sealResponse">, answer: unknown, retryAfter?: number): Promise<Response> {
  if (retryAfter) c.header("Retry-After", String(retryAfter));
  const body = await opened.sealResponse(new TextEncoder().encode(JSON.stringify(answer)));
  return c.body(body as Uint8Array<ArrayBuffer>, 200, { "content-type": RESPONSE_CONTENT_TYPE });
}

export function mailboxRoutes(app: Hono<AppEnv>, s: Services, version: string, r: PeerMessageRoutes): void {
  const pollPath = federationPath(version, "mailbox-poll");
  app.post(pollPath, async (c) => {
    const opened = await r.openFromPeer(c, pollPath);
    if (opened instanceof Response) return opened;
    const request = parseMessage(opened.plaintext, mailboxPollRequest);
    if (!request) return sealedAnswer(c, opened, { ok: false, error: { code: "bad_request", message: "not a mailbox-poll message" } });
    const out = await pollHeld(s, opened.from, request, c.req.raw.signal);
    if ("refused" in out) return sealedAnswer(c, opened, { ok: false, error: { code: out.refused.code, message: out.refused.message } }, out.refused.retryAfter);
    return sealedAnswer(c, opened, { ok: true, result: out.result });
  });

  const answerPath = federationPath(version, "mailbox-answer");
  app.post(answerPath, async (c) => {
    const opened = await r.openFromPeer(c, answerPath);
    if (opened instanceof Response) return opened;
    const request = parseMessage(opened.plaintext, mailboxAnswerRequest);
    if (!request) return sealedAnswer(c, opened, { ok: false, error: { code: "bad_request", message: "not a mailbox-answer message" } });
    const out = await acceptAnswer(s, opened.from, request);
    if ("refused" in out) return sealedAnswer(c, opened, { ok: false, error: out.refused });
    return sealedAnswer(c, opened, { ok: true, result: out.result });
  });
}

/** Serves a held message here, as the destination of a forwarded call, into the answer that goes back to the mailbox. */
export function serveFromMailbox(s: Services): ServeForwarded {
  return async (via, message, signal) => {
    const served = await serveForwarded(s, via, message, signal, s.defer);
    if ("refused" in served) return served;
    const bytes = await readLimited(served.response, MAX_MAILBOX_ANSWER_BYTES);
    if (!bytes) return { refused: { code: "answer_too_large", message: `the answer exceeds the ${MAX_MAILBOX_ANSWER_BYTES} bytes a mailbox carries` } } satisfies MailboxAnswer;
    return { stream: toBase64url(bytes) };
  };
}
