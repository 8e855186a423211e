// The relay's messages of mcpfed/1 (docs/protocol.md, "Relayed calls"), as zod schemas. A call
// travels in an envelope to the node that hosts the tool; its answer is a stream of sealed frames:
// progress notifications, then one final answer that carries the result and the signed receipt.
import { z } from "zod";
import { entryKey } from "../registry/entry.ts";

/** Countersigned records one call or push may carry. */
export const MAX_COUNTERSIGNED = 32;
/** Pending record ids a provider may ask about at once. */
export const MAX_ASKED = 64;
/** A consumer's timeout is honoured up to this. */
export const MAX_TIMEOUT_MS = 10 * 60_000;

export const callRequest = z.strictObject({
  type: z.literal("call"),
  /** The entry the consumer saw: the provider prices the call by it. */
  key: entryKey,
  arguments: z.record(z.string(), z.unknown()).optional(),
  /** A SignedIntent (src/protocol/ledger/record.ts), checked by the provider's acceptIntent. */
  intent: z.unknown(),
  /** The SignedGrant a subscription call presents. */
  grant: z.unknown().optional(),
  timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS),
  /** Whether to stream progress frames. */
  progress: z.boolean(),
  /** The consumer's countersignatures of earlier calls to this provider, piggybacked. */
  countersigned: z.array(z.unknown()).max(MAX_COUNTERSIGNED),
  /** The principal at the consumer that made the call: for the provider's audit and grants. */
  relayedFor: z.string().max(256).optional(),
});
export type CallRequest = z.infer<typeof callRequest>;

/** Why a provider did not run a call, or how the run failed. */
export const CALL_ERRORS = [
  "bad_request",
  "not_shared",
  "fingerprint_changed",
  "intent_refused",
  "price_changed",
  "forbidden",
  "rate_limited",
  "upstream_error",
  "upstream_timeout",
  "upstream_unavailable",
  "cancelled",
  "internal",
] as const;
export type CallErrorCode = (typeof CALL_ERRORS)[number];

export const callError = z.strictObject({
  code: z.enum(CALL_ERRORS),
  message: z.string().max(2000),
  /** The JSON-RPC error code the provider's own client would have seen, when there is one. */
  mcp: z.number().int().optional(),
});
export type CallError = z.infer<typeof callError>;

export const progressFrame = z.strictObject({
  type: z.literal("progress"),
  seq: z.number().int().min(0),
  progress: z.number(),
  total: z.number().optional(),
  message: z.string().max(2000).optional(),
});

export const answerFrame = z.strictObject({
  type: z.literal("answer"),
  seq: z.number().int().min(0),
  answer: z.union([
    z.strictObject({
      ok: z.literal(true),
      /** The upstream's CallToolResult, as the provider's client received it. */
      result: z.looseObject({}),
      /** The record signed by the consumer (intent) and the provider (receipt), awaiting the countersignature. */
      receipt: z.unknown(),
      /** Ids of the piggybacked countersigned records the provider now holds confirmed. */
      acked: z.array(z.string().max(64)).max(MAX_COUNTERSIGNED),
    }),
    z.strictObject({ ok: z.literal(false), error: callError, acked: z.array(z.string().max(64)).max(MAX_COUNTERSIGNED) }),
  ]),
});

export const callFrame = z.discriminatedUnion("type", [progressFrame, answerFrame]);
export type CallFrame = z.infer<typeof callFrame>;
export type AnswerFrame = z.infer<typeof answerFrame>;

/** Countersigned records pushed on the tick; the reply names those the provider now holds confirmed. */
export const countersignedPush = z.strictObject({ type: z.literal("countersigned"), records: z.array(z.unknown()).min(1).max(MAX_COUNTERSIGNED) });
export const countersignedAck = z.strictObject({ acked: z.array(z.string().max(64)).max(MAX_COUNTERSIGNED) });

/** A provider asks the consumer for the countersigned versions of records it holds pending. */
export const receiptsRequest = z.strictObject({ type: z.literal("receipts"), ids: z.array(z.string().regex(/^[0-9a-f]{64}$/)).min(1).max(MAX_ASKED) });
export const receiptsReply = z.strictObject({
  /** Countersigned records of those ids, where the consumer holds them. */
  records: z.array(z.unknown()).max(MAX_ASKED),
  /** Ids the consumer holds no record of: it never received the provider's answer. */
  missing: z.array(z.string().max(64)).max(MAX_ASKED),
});

/** A consumer buys a subscription: the grant terms it proposes (src/protocol/ledger/grant.ts) and its intent to pay for them. */
export const subscribeRequest = z.strictObject({ type: z.literal("subscribe"), key: entryKey, grant: z.unknown(), intent: z.unknown() });
export const subscribeReply = z.union([
  /** The grant as the provider signed it, and the purchase's pending record. */
  z.strictObject({ ok: z.literal(true), grant: z.unknown(), receipt: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: callError }),
]);
