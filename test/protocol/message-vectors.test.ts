// The federation message vectors (test/vectors/messages.json): each plaintext goes through the
// parsing its receiver does, and must come out as the stated message or be refused.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { answerSchema, cardsRequest, cardsResult, helloRequest, helloResult, MAX_MESSAGE_DEPTH, parseMessage, pingRequest, pingResult } from "../../src/protocol/messages/federation.ts";
import { exchangeReply, exchangeRequest, reconcileReply, reconcileRequest } from "../../src/protocol/messages/gossip.ts";
import { ledgerReconcileReply, ledgerReconcileRequest, ledgerTransferReply, ledgerTransferRequest } from "../../src/protocol/messages/ledger.ts";
import { ledgerCheckpointReply, ledgerCheckpointRequest } from "../../src/protocol/messages/ledger-checkpoint.ts";
import { settlementReply, settlementRequest } from "../../src/protocol/messages/settlement.ts";
import { callFrame, callRequest, countersignedAck, countersignedPush, receiptsReply, receiptsRequest, subscribeReply, subscribeRequest } from "../../src/protocol/messages/relay.ts";
import { promptRequest, readRequest, relayRequest } from "../../src/protocol/messages/relay-items.ts";
import { completeReply, completeRequest } from "../../src/protocol/messages/relay-complete.ts";
import {
  resourceSubscribeReply,
  resourceSubscribeRequest,
  resourceUnsubscribeReply,
  resourceUnsubscribeRequest,
  resourceUpdatedReply,
  resourceUpdatedRequest,
} from "../../src/protocol/messages/relay-resource-updates.ts";

interface MessageVectors {
  maxDepth: number;
  messages: { name: string; direction: "request" | "answer"; cases: { name: string; plaintext: string; result: unknown }[] }[];
}

const vectors = JSON.parse(readFileSync(new URL("../vectors/messages.json", import.meta.url), "utf8")) as MessageVectors;

const schemas: Record<string, z.ZodType> = {
  answerFrame: answerSchema,
  helloRequest,
  helloResult,
  pingRequest,
  pingResult,
  cardsRequest,
  cardsResult,
  exchangeRequest,
  exchangeReply,
  reconcileRequest,
  reconcileReply,
  callRequest,
  readRequest,
  promptRequest,
  relayRequest,
  callFrame,
  countersignedPush,
  countersignedAck,
  receiptsRequest,
  receiptsReply,
  subscribeRequest,
  completeRequest,
  completeReply,
  resourceSubscribeRequest,
  resourceSubscribeReply,
  resourceUnsubscribeRequest,
  resourceUnsubscribeReply,
  resourceUpdatedRequest,
  resourceUpdatedReply,
  subscribeReply,
  ledgerReconcileRequest,
  ledgerReconcileReply,
  ledgerTransferRequest,
  ledgerTransferReply,
  ledgerCheckpointRequest,
  ledgerCheckpointReply,
  settlementRequest,
  settlementReply,
};

/** An answer, as the sending node reads it: JSON, then the schema. */
function parseAnswer(text: string, schema: z.ZodType): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

describe("federation message vectors", () => {
  it("cover every message schema, each with valid and invalid plaintexts", () => {
    expect(vectors.maxDepth).toBe(MAX_MESSAGE_DEPTH);
    expect(vectors.messages.map((m) => m.name).sort()).toEqual(Object.keys(schemas).sort());
    for (const m of vectors.messages) {
      expect(m.cases.some((c) => c.result !== null)).toBe(true);
      expect(m.cases.some((c) => c.result === null)).toBe(true);
    }
  });

  for (const m of vectors.messages) {
    it.each(m.cases.map((c) => [c.name, c] as const))(`${m.name}: %s`, (_name, c) => {
      const schema = schemas[m.name]!;
      const got = m.direction === "request" ? parseMessage(new TextEncoder().encode(c.plaintext), schema) : parseAnswer(c.plaintext, schema);
      expect(got ?? null).toEqual(c.result);
    });
  }
});
