// The mailbox role (docs/protocol.md §20.6): this node holds messages for peers that bind nothing
// reachable and name it in their cards. A call forwarded to such a peer is stored, opaque, until
// the peer takes it in a poll and answers, while the caller's `forward` waits; nobody waiting
// means the message is dropped. Everything goes through the store, so the instance holding the
// caller's request need not be the one the peer polls.
import { toBase64url, fromBase64url } from "../../protocol/encoding/bytes.ts";
import type { ForwardedRequest } from "../../protocol/routes/forward.ts";
import {
  MAILBOX_HOLD_SECONDS,
  MAX_POLL_CHARS,
  mailboxAnswer,
  namesMailbox,
  type MailboxAnswerRequest,
  type MailboxAnswerResult,
  type MailboxPollRequest,
  type MailboxPollResult,
} from "../../protocol/routes/mailbox.ts";
import type { Card } from "../../protocol/card/schema.ts";
import type { RouteRole } from "../../protocol/routes/roles.ts";
import { log } from "../logging/log.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import { answerMessage, depositMessage, dropMessage, heldMessage, takeMessages } from "../../store/mailbox.ts";
import { getPeer } from "../../store/peers.ts";

/** How often a waiting request looks at the store again. */
const LOOK_EVERY_MS = 200;

export interface MailboxPort {
  db: Database;
  now: () => number;
  config: Pick<Config, "publicUrl" | "mailboxMaxMessages">;
  routes: { offer: { offers(role: RouteRole): boolean }; limits: { over(role: RouteRole, key: string): number | undefined } };
}

export type Held = { stream: ReadableStream<Uint8Array> } | { refused: { code: string; message: string; retryAfter?: number } };

/** Whether this node holds messages for the node of `card`: it offers the role, and the card names it. */
export function holdsFor(s: Pick<MailboxPort, "config" | "routes">, card: Card): boolean {
  const origin = s.config.publicUrl?.origin;
  return !!origin && s.routes.offer.offers("mailbox") && namesMailbox(card, origin);
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });

/**
 * Holds a `forwarded` message for `to` until it answers, at most MAILBOX_HOLD_SECONDS or until the
 * caller goes away. A call unanswered and untaken is withdrawn (the caller may try another route:
 * nothing reached the node); taken but unanswered, the call's fate is unknown. A peer message
 * (`keepUntil`: its envelope's expiry) stays held for a later poll until then, its answer unread.
 */
export async function holdForAnswer(s: MailboxPort, to: string, message: ForwardedRequest, signal: AbortSignal, keepUntil?: number): Promise<Held> {
  const id = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
  const now = s.now();
  const stored = await depositMessage(s.db, { id, nodeId: to, body: JSON.stringify(message), now, expiresAt: Math.max(keepUntil ?? 0, now + MAILBOX_HOLD_SECONDS) }, s.config.mailboxMaxMessages);
  if (!stored) return { refused: { code: "destination_unreachable", message: `this mailbox holds ${s.config.mailboxMaxMessages} messages for ${to} already` } };
  log.info("mailbox.held", { to, id });
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(MAILBOX_HOLD_SECONDS * 1000)]);
  let kept = false;
  try {
    while (!deadline.aborted) {
      const held = await heldMessage(s.db, id);
      if (held?.answer) return answerOf(held.answer);
      await pause(LOOK_EVERY_MS, deadline);
    }
    const held = await heldMessage(s.db, id);
    if (held?.answer) return answerOf(held.answer);
    if (keepUntil !== undefined) {
      kept = true;
      return { refused: { code: "destination_unreachable", message: `${to} has not answered yet; the message waits for its poll until its envelope expires` } };
    }
    if (await dropMessage(s.db, id, true)) return { refused: { code: "destination_unreachable", message: `${to} did not collect the message within ${MAILBOX_HOLD_SECONDS} s` } };
    return { refused: { code: "answer_timeout", message: `${to} took the call but did not answer within ${MAILBOX_HOLD_SECONDS} s` } };
  } finally {
    if (!kept) await dropMessage(s.db, id, false);
  }
}

function answerOf(text: string): Held {
  const answer = mailboxAnswer.parse(JSON.parse(text));
  if ("refused" in answer) return { refused: answer.refused };
  const bytes = fromBase64url(answer.stream);
  return {
    stream: new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    }),
  };
}

export type PollOutcome = { result: MailboxPollResult } | { refused: { code: string; message: string; retryAfter?: number } };

/** A poll by `from`: the messages held for it, waiting up to the poll's `wait` while there are none. */
export async function pollHeld(s: MailboxPort, from: string, request: MailboxPollRequest, signal: AbortSignal): Promise<PollOutcome> {
  const refusal = await clientRefusal(s, from);
  if (refusal) return { refused: refusal };
  const wait = s.routes.limits.over("mailbox", from);
  if (wait !== undefined) return { refused: { code: "rate_limited", message: `too many polls from this node; retry in ${wait} s`, retryAfter: wait } };
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(request.wait * 1000)]);
  for (;;) {
    const taken = await takeMessages(s.db, from, s.now(), request.max, MAX_POLL_CHARS);
    if (taken.length > 0 || deadline.aborted) {
      if (taken.length > 0) log.info("mailbox.polled", { node: from, items: taken.length });
      return { result: { type: "mailbox-poll", items: taken.map((m) => ({ id: m.id, message: JSON.parse(m.body) as ForwardedRequest })) } };
    }
    await pause(LOOK_EVERY_MS, deadline);
  }
}

/** `from`'s answer to a message it took: stored for the request waiting on it. */
export async function acceptAnswer(s: MailboxPort, from: string, request: MailboxAnswerRequest): Promise<{ result: MailboxAnswerResult } | { refused: { code: string; message: string } }> {
  const refusal = await clientRefusal(s, from);
  if (refusal) return { refused: refusal };
  const accepted = await answerMessage(s.db, from, request.id, JSON.stringify(request.answer));
  return { result: { type: "mailbox-answer", accepted } };
}

async function clientRefusal(s: MailboxPort, from: string): Promise<{ code: string; message: string } | undefined> {
  if (!s.routes.offer.offers("mailbox")) return { code: "route_not_offered", message: "this node holds no messages for others" };
  const peer = await getPeer(s.db, from);
  if (peer?.state !== "active" || !holdsFor(s, peer.card)) return { code: "not_mailboxed", message: "this node holds messages only for active peers whose card names it as a mailbox" };
  return undefined;
}
