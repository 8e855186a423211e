// The gossip messages of mcpfed/1, as zod schemas: each travels as the body of an envelope on a
// federation route (docs/protocol.md, §6.3–6.4 and §7). Entries inside are left `unknown` here and checked
// one by one by the registry, so that one bad entry costs only itself, not the whole message.
import { z } from "zod";

/** Entries per message, and id prefixes asked for per message. */
export const MAX_MESSAGE_ENTRIES = 1000;
export const MAX_WANT = 4096;

export const logPosition = z.strictObject({
  epoch: z.string().regex(/^[0-9a-f]{16}$/),
  seq: z.number().int().min(0),
});

/** One request between direct peers: a push, a push-pull, or the transfer that ends a repair. */
export const exchangeRequest = z.strictObject({
  entries: z.array(z.unknown()).max(MAX_MESSAGE_ENTRIES),
  /** On a push: the sender's log position these entries reach, for the receiver to acknowledge. */
  log: logPosition.optional(),
  /** On a push-pull: how far the sender has taken the receiver's log; asks for what follows. */
  pull: logPosition.optional(),
  /** On a repair: hex id prefixes the sender lacks. */
  want: z.array(z.string().regex(/^(?:[0-9a-f]{2}){8,32}$/)).max(MAX_WANT).optional(),
});
export type ExchangeRequest = z.infer<typeof exchangeRequest>;

export const exchangeReply = z.strictObject({
  /** The `log.seq` of the request: every entry up to it was taken or refused for good. */
  ack: z.number().int().min(0).optional(),
  /** How many of the pushed entries were refused (the receiver counts why). */
  refused: z.number().int().min(0),
  /** The answer to `pull`: the log after it, or `stale` when that position means nothing here. */
  delta: z
    .union([
      z.strictObject({ stale: z.literal(true) }),
      z.strictObject({ log: logPosition, entries: z.array(z.unknown()).max(MAX_MESSAGE_ENTRIES), more: z.boolean() }),
    ])
    .optional(),
  /** The answer to `want`. */
  wanted: z.array(z.unknown()).max(MAX_MESSAGE_ENTRIES).optional(),
});
export type ExchangeReply = z.infer<typeof exchangeReply>;

/** One round of a repair: a reconciliation message (see reconciliation.ts for its layout). */
export const reconcileRequest = z.strictObject({
  message: z.string().regex(/^[A-Za-z0-9_-]*$/).max(2 * 1024 * 1024),
  /** Set on the first round: asks for the responder's log position, which the repair then covers. */
  start: z.literal(true).optional(),
});
export type ReconcileRequest = z.infer<typeof reconcileRequest>;

export const reconcileReply = z.strictObject({
  message: z.string().regex(/^[A-Za-z0-9_-]*$/),
  log: logPosition.optional(),
});
export type ReconcileReply = z.infer<typeof reconcileReply>;
