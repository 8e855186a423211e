// Mailboxes (docs/protocol.md §20.6). A node that binds nothing reachable (M) names reachable
// peers as its mailboxes in its card. A caller reaches M through one as through a forwarder
// (§12.3): the mailbox holds the `forwarded` message instead of delivering it. M asks for what is
// held with `mailbox-poll` (a long poll, outbound) and hands back its answer with
// `mailbox-answer`; the mailbox passes that answer to the caller still waiting on `forward`.
import { z } from "zod";
import { MAX_MAILBOXES } from "../card/schema.ts";
import type { MessageName } from "../messages/federation.ts";
import { forwardedRequest } from "./forward.ts";
import { ROLE_FEATURES } from "./roles.ts";

export { MAX_MAILBOXES };
export const MAILBOX_FEATURE = ROLE_FEATURES.mailbox;

/** The longest a poll is held open waiting for a message: below a federation request's 15 s deadline. */
export const MAX_POLL_WAIT_SECONDS = 10;
/** Messages one poll answer carries at most. */
export const MAX_POLL_ITEMS = 16;
/** Base64url characters of envelopes one poll answer carries at most (the first one always goes), under the 1 MiB answer bound. */
export const MAX_POLL_CHARS = 640 * 1024;
/** How long a mailbox holds a call, and the caller's `forward` waits for its answer. */
export const MAILBOX_HOLD_SECONDS = 25;
/** A held message's id: 22 base64url characters (128 random bits). */
export const MAILBOX_MESSAGE_ID = /^[A-Za-z0-9_-]{22}$/;
/** The largest call stream an answer carries, before base64url: its envelope stays within a 1 MiB body. */
export const MAX_MAILBOX_ANSWER_BYTES = 512 * 1024;

/**
 * What a mailbox carries to M besides calls (which anyone reaches M with, by the forwarded route):
 * the messages of M's peers, its mailboxes, for gossip and the ledger. M refuses any other endpoint.
 */
export const MAILBOX_PEER_MESSAGES = ["ping", "exchange", "reconcile", "cards", "countersigned", "receipts", "ledger-reconcile", "ledger-transfer", "ledger-checkpoint"] as const satisfies readonly MessageName[];

/** M → mailbox: what is held for me? Held open up to `wait` seconds while nothing is. */
export const mailboxPollRequest = z.strictObject({
  type: z.literal("mailbox-poll"),
  wait: z.number().int().min(0).max(MAX_POLL_WAIT_SECONDS),
  max: z.number().int().min(1).max(MAX_POLL_ITEMS),
});
export type MailboxPollRequest = z.infer<typeof mailboxPollRequest>;

export const mailboxItem = z.strictObject({ id: z.string().regex(MAILBOX_MESSAGE_ID), message: forwardedRequest });
export type MailboxItem = z.infer<typeof mailboxItem>;

/** The mailbox's answer: the messages taken for M, oldest first, each handed out once. */
export const mailboxPollResult = z.strictObject({
  type: z.literal("mailbox-poll"),
  items: z.array(mailboxItem).max(MAX_POLL_ITEMS),
});
export type MailboxPollResult = z.infer<typeof mailboxPollResult>;

const refusal = z.strictObject({ code: z.string().regex(/^[a-z_]{1,64}$/), message: z.string().max(1024) });

/**
 * What M makes of one message: the call stream sealed to the caller's envelope (base64url, the
 * bytes a `forwarded` answer carries), for a peer message its sealed answer's bytes, or its
 * refusal of the envelope (a §5.4 or §12.4 code).
 */
export const mailboxAnswer = z.union([
  z.strictObject({
    stream: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, "must be base64url")
      .max(Math.ceil((MAX_MAILBOX_ANSWER_BYTES * 4) / 3)),
  }),
  z.strictObject({ refused: refusal }),
]);
export type MailboxAnswer = z.infer<typeof mailboxAnswer>;

/** M → mailbox: the answer to a message it took. */
export const mailboxAnswerRequest = z.strictObject({
  type: z.literal("mailbox-answer"),
  id: z.string().regex(MAILBOX_MESSAGE_ID),
  answer: mailboxAnswer,
});
export type MailboxAnswerRequest = z.infer<typeof mailboxAnswerRequest>;

/** Whether the answer was taken: false when nobody waits for it any more (the message expired or was answered). */
export const mailboxAnswerResult = z.strictObject({ type: z.literal("mailbox-answer"), accepted: z.boolean() });
export type MailboxAnswerResult = z.infer<typeof mailboxAnswerResult>;

/** Whether `card` names the node at `origin` among its mailboxes. */
export function namesMailbox(card: { mailboxes?: string[] | undefined }, origin: string): boolean {
  return (card.mailboxes ?? []).some((u) => new URL(u).origin === origin);
}
