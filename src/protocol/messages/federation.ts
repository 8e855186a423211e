// What travels inside envelopes between peers (docs/protocol.md, "Federation messages"), and the
// routes that carry them. Every plaintext is JSON and is validated here on both sides.
import { nestsDeeperThan } from "../encoding/json-depth.ts";
import { z } from "zod";

export type MessageName =
  | "hello"
  | "channel"
  | "ping"
  | "exchange"
  | "reconcile"
  | "cards"
  | "call"
  | "countersigned"
  | "receipts"
  | "subscribe"
  | "complete"
  | "resource-subscribe"
  | "resource-unsubscribe"
  | "resource-updated"
  | "ledger-reconcile"
  | "ledger-transfer"
  | "ledger-checkpoint"
  | "settlement"
  | "ohttp-relay"
  | "gateway"
  | "token-sale"
  | "token-redeem"
  | "budget-sync"
  | "budget-ask"
  | "forward"
  | "forwarded"
  | "mailbox-poll"
  | "mailbox-answer"
  | "clearing"
  | "blackboard"
  | "blackboard-append"
  | "blackboard-strong"
  | "blackboard-namespace"
  | "index"
  | "backup-deposit"
  | "backup-fetch";

/** The route of a federation message under a protocol version: mcpfed/1 → /federation/v1/<name>. */
export function federationPath(version: string, name: MessageName): string {
  return `/federation/v${version.slice("mcpfed/".length)}/${name}`;
}

export const helloRequest = z.object({ type: z.literal("hello") }).strict();
export const helloResult = z
  .object({
    type: z.literal("hello"),
    /** How the receiver now regards the sender. */
    state: z.enum(["active", "pending"]),
    version: z.string(),
    features: z.array(z.string()),
  })
  .strict();

export const pingRequest = z.object({ type: z.literal("ping") }).strict();
export const pingResult = z.object({ type: z.literal("pong"), at: z.number().int() }).strict();

/** Asks a peer for the cards of nodes whose registry entries it relayed. */
export const MAX_CARDS_ASKED = 16;
export const cardsRequest = z.object({ type: z.literal("cards"), ids: z.array(z.string().max(64)).min(1).max(MAX_CARDS_ASKED) }).strict();
/** The cards it holds of those; each is verified by the asker (a card proves its own id). */
export const cardsResult = z.object({ type: z.literal("cards"), cards: z.array(z.unknown()).max(MAX_CARDS_ASKED) }).strict();

/** Refusals made after the envelope opened (the sender is authenticated), sent sealed. */
export type AnswerErrorCode = "bad_request" | "not_allowed";

export type Answer<T> = { ok: true; result: T } | { ok: false; error: { code: AnswerErrorCode; message: string } };

/** The sealed answer's frame; `result` is then checked against the message's own schema. */
export const answerSchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string().max(64), message: z.string().max(1000) }).strict() }).strict(),
]);

/** The plaintext of an opened envelope as a message of `schema`, or undefined. */
/** How deep a federation message may nest: a relayed call's arguments get as deep as on /mcp, plus the message around them. */
export const MAX_MESSAGE_DEPTH = 128;

export function parseMessage<T extends z.ZodType>(bytes: Uint8Array, schema: T): z.infer<T> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  // Hashing a call's arguments, or handing them on, walks them recursively: refuse what would
  // overflow the stack before anything does.
  if (nestsDeeperThan(raw, MAX_MESSAGE_DEPTH)) return undefined;
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
