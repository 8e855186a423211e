// Mailboxes (docs/protocol.md §20.6), both sides. As the mailbox: `mailbox-poll` and
// `mailbox-answer`, each a message from an active peer that names this node as its mailbox. As
// the node behind mailboxes: the serving of one held message (a forwarded call, or a peer's gossip
// or ledger message), with the answer read whole to travel back in a `mailbox-answer`.
import type { Context, Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { EnvelopeError } from "../../protocol/envelope/errors.ts";
import { decode, ENVELOPE_CONTENT_TYPE } from "../../protocol/envelope/wire.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import { federationPath, parseMessage } from "../../protocol/messages/federation.ts";
import { MAILBOX_PEER_MESSAGES, mailboxAnswerRequest, mailboxPollRequest, MAX_MAILBOX_ANSWER_BYTES, type MailboxAnswer } from "../../protocol/routes/mailbox.ts";
import { log } from "../../node/logging/log.ts";
import { readLimited } from "../../node/outbound/limited-body.ts";
import { acceptAnswer, pollHeld } from "../../node/mailbox/holder.ts";
import type { ServeForwarded } from "../../node/mailbox/poller.ts";
import type { Services } from "../../node/services.ts";
import { serveForwarded } from "./forward-route.ts";
import type { PeerMessageRoutes } from "./known-sender.ts";
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
    if (!request) return r.malformed(c, opened, "not a mailbox-poll message");
    const out = await pollHeld(s, opened.from, request, c.req.raw.signal);
    if ("refused" in out) return sealedAnswer(c, opened, { ok: false, error: { code: out.refused.code, message: out.refused.message } }, out.refused.retryAfter);
    return sealedAnswer(c, opened, { ok: true, result: out.result });
  });

  const answerPath = federationPath(version, "mailbox-answer");
  app.post(answerPath, async (c) => {
    const opened = await r.openFromPeer(c, answerPath);
    if (opened instanceof Response) return opened;
    const request = parseMessage(opened.plaintext, mailboxAnswerRequest);
    if (!request) return r.malformed(c, opened, "not a mailbox-answer message");
    const out = await acceptAnswer(s, opened.from, request);
    if ("refused" in out) return sealedAnswer(c, opened, { ok: false, error: out.refused });
    return sealedAnswer(c, opened, { ok: true, result: out.result });
  });
}

/** Hands a request to this node's own app, as if it had come in over HTTP. */
export type Dispatch = (request: Request) => Promise<Response>;

/**
 * Serves a held message here, into the answer that goes back to the mailbox: a call as the
 * destination of a forwarded call, a peer message (§20.6: gossip, ledger) as this node's endpoint
 * for it would, through `dispatch`; any other endpoint is refused.
 */
export function serveFromMailbox(s: Services, dispatch: Dispatch): ServeForwarded {
  return async (via, message, signal) => {
    let header;
    try {
      ({ header } = decode(fromBase64url(message.envelope), s.config.maxBodyBytes));
    } catch (err) {
      if (err instanceof EnvelopeError) return { refused: { code: err.code, message: err.message } };
      return { refused: { code: "malformed", message: "the envelope is not base64url" } };
    }
    log.info("mailbox.delivered", { via, path: header.path });
    if (header.path === federationPath(header.v, "call")) return answerOf(await serveForwarded(s, via, message, signal, s.defer));
    if (!MAILBOX_PEER_MESSAGES.some((m) => federationPath(header.v, m) === header.path)) return { refused: { code: "wrong_endpoint", message: `${header.path} is not an endpoint a mailbox carries` } };
    const res = await dispatch(
      new Request(new URL(header.path, "http://mailbox.invalid"), {
        method: "POST",
        headers: { "content-type": ENVELOPE_CONTENT_TYPE, accept: RESPONSE_CONTENT_TYPE },
        body: fromBase64url(message.envelope) as BodyInit,
        signal,
      }),
    );
    if (res.headers.get("content-type")?.startsWith(RESPONSE_CONTENT_TYPE)) return answerOf({ response: res });
    // Refused before it opened: the plain JSON refusal's code travels back.
    const refusal = (await res.json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
    const code = typeof refusal?.error?.code === "string" && /^[a-z_]{1,64}$/.test(refusal.error.code) ? refusal.error.code : "refused";
    return { refused: { code, message: typeof refusal?.error?.message === "string" ? refusal.error.message.slice(0, 1024) : `HTTP ${res.status}` } };
  };
}

/** The answer's bytes whole, as a mailbox carries them. */
async function answerOf(served: { response: Response } | { refused: { code: string; message: string } }): Promise<MailboxAnswer> {
  if ("refused" in served) return served;
  const bytes = await readLimited(served.response, MAX_MAILBOX_ANSWER_BYTES);
  if (!bytes) return { refused: { code: "answer_too_large", message: `the answer exceeds the ${MAX_MAILBOX_ANSWER_BYTES} bytes a mailbox carries` } };
  return { stream: toBase64url(bytes) };
}
