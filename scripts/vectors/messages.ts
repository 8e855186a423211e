// Federation message vectors (docs/protocol.md §6, §7.6, §8.7): for each message and its answer, a
// valid plaintext and invalid ones, with the parse result the receiver must reach. Requests are
// parsed as the federation routes parse them (JSON, then the depth limit, then the schema);
// answers as the sender parses them (JSON, then the schema). Entries, records, intents and grants
// inside are opaque here: they are checked one by one after the message parses.
import type { z } from "zod";
import { answerSchema, cardsRequest, cardsResult, helloRequest, helloResult, MAX_MESSAGE_DEPTH, parseMessage, pingRequest, pingResult } from "../../src/protocol/messages/federation.ts";
import { exchangeReply, exchangeRequest, reconcileReply, reconcileRequest } from "../../src/protocol/messages/gossip.ts";
import { ledgerReconcileReply, ledgerReconcileRequest, ledgerTransferReply, ledgerTransferRequest } from "../../src/protocol/messages/ledger.ts";
import { ledgerCheckpointReply, ledgerCheckpointRequest } from "../../src/protocol/messages/ledger-checkpoint.ts";
import { settlementReply, settlementRequest } from "../../src/protocol/messages/settlement.ts";
import { callFrame, callRequest, countersignedAck, countersignedPush, receiptsReply, receiptsRequest, subscribeReply, subscribeRequest } from "../../src/protocol/messages/relay.ts";
import { promptRequest, readRequest, relayRequest } from "../../src/protocol/messages/relay-items.ts";
import { completeReply, completeRequest } from "../../src/protocol/messages/relay-complete.ts";
import { resourceSubscribeReply, resourceSubscribeRequest, resourceUnsubscribeReply, resourceUnsubscribeRequest, resourceUpdatedReply, resourceUpdatedRequest } from "../../src/protocol/messages/relay-resource-updates.ts";
import { agree, write } from "./common.ts";

/** An array nested `levels` deep: [[…[]…]]. */
const nest = (levels: number): unknown[] => (levels <= 1 ? [] : [nest(levels - 1)]);
const NODE = "abcdefghijklmnopqrstuvwxyz234567";
const ID = "5e".repeat(32);
const PREFIX = "00112233445566778899aabbccddeeff";
/** A settlement's body (§16); its signatures here are placeholders, the schema checks only their form. */
const SETTLEMENT = { v: "mcpfed/1", type: "settlement", id: ID, payer: "payer-node", payee: "payee-node", unit: "EUR", amount: 230, method: "manual", reference: "SEPA 17", paidAt: 1_764_900_600_000 };
const log = { epoch: "0123456789abcdef", seq: 3 };
const call = { type: "call", key: "archive/search", arguments: { q: "ümlauts" }, intent: {}, timeoutMs: 30_000, progress: true, countersigned: [] };
const read = { type: "read", kind: "resource", key: "archive/doc%3A%2F%2Freport%2F2024", uri: "doc://report/2024", intent: {}, timeoutMs: 30_000, countersigned: [] };
const complete = { type: "complete", kind: "prompt", key: "archive/summarise", argument: { name: "topic", value: "üm" } };
const leaseKey = "archive/doc%3A%2F%2Freport%2F2024";
const resourceSubscribe = { type: "resource-subscribe", key: leaseKey, uri: "doc://report/2024", leaseSeconds: 600 };
const resourceUpdated = { type: "resource-updated", key: leaseKey, uri: "doc://report/2024" };
const prompt = { type: "prompt", key: "archive/summarise", arguments: { topic: "ümlauts" }, intent: {}, timeoutMs: 30_000, countersigned: [] };

interface Message {
  name: string;
  route: string;
  direction: "request" | "answer";
  schema: z.ZodType;
  valid: Record<string, unknown>;
  /** Invalid plaintexts: a value (sent as its JSON) or raw text. */
  invalid: Record<string, unknown>;
}

const raw = (text: string) => ({ raw: text });

const messages: Message[] = [
  {
    name: "answerFrame",
    route: "every sealed answer",
    direction: "answer",
    schema: answerSchema,
    valid: { ok: { ok: true, result: { type: "pong", at: 1 } }, refusal: { ok: false, error: { code: "bad_request", message: "not a ping" } } },
    invalid: {
      "a refusal without its error": { ok: false },
      "an ok answer with an error field": { ok: true, result: {}, error: { code: "x", message: "" } },
      "an error code longer than 64 characters": { ok: false, error: { code: "x".repeat(65), message: "" } },
    },
  },
  {
    name: "helloRequest",
    route: "/federation/v1/hello",
    direction: "request",
    schema: helloRequest,
    valid: { hello: { type: "hello" } },
    invalid: { "another type tag": { type: "ping" }, "no type tag": {}, "an unknown field": { type: "hello", name: "a" }, "not JSON": raw("hello") },
  },
  {
    name: "helloResult",
    route: "/federation/v1/hello",
    direction: "answer",
    schema: helloResult,
    valid: { active: { type: "hello", state: "active", version: "mcpfed/1", features: ["ping"] } },
    invalid: { "an unknown state": { type: "hello", state: "blocked", version: "mcpfed/1", features: [] }, "features missing": { type: "hello", state: "pending", version: "mcpfed/1" } },
  },
  {
    name: "pingRequest",
    route: "/federation/v1/ping",
    direction: "request",
    schema: pingRequest,
    valid: { ping: { type: "ping" } },
    invalid: { "the answer's type tag": { type: "pong" }, "a JSON string": "ping", "trailing text": raw('{"type":"ping"} x') },
  },
  {
    name: "pingResult",
    route: "/federation/v1/ping",
    direction: "answer",
    schema: pingResult,
    valid: { pong: { type: "pong", at: 1_767_225_720 } },
    invalid: { "a time that is not an integer": { type: "pong", at: 1.5 }, "the request's type tag": { type: "ping", at: 1 } },
  },
  {
    name: "cardsRequest",
    route: "/federation/v1/cards",
    direction: "request",
    schema: cardsRequest,
    valid: { "one id": { type: "cards", ids: [NODE] } },
    invalid: {
      "no ids": { type: "cards", ids: [] },
      "17 ids": { type: "cards", ids: Array(17).fill(NODE) },
      "an id longer than 64": { type: "cards", ids: ["a".repeat(65)] },
      "ids as a string": { type: "cards", ids: NODE },
    },
  },
  {
    name: "cardsResult",
    route: "/federation/v1/cards",
    direction: "answer",
    schema: cardsResult,
    valid: { "none held": { type: "cards", cards: [] } },
    invalid: { "17 cards": { type: "cards", cards: Array(17).fill({}) }, "cards missing": { type: "cards" } },
  },
  {
    name: "exchangeRequest",
    route: "/federation/v1/exchange",
    direction: "request",
    schema: exchangeRequest,
    valid: {
      push: { entries: [{}], log },
      "push-pull": { entries: [], pull: log },
      repair: { entries: [], want: [PREFIX] },
      [`an entry nested to depth ${MAX_MESSAGE_DEPTH} in all`]: { entries: [nest(MAX_MESSAGE_DEPTH - 2)] },
    },
    invalid: {
      [`an entry nested to depth ${MAX_MESSAGE_DEPTH + 1} in all`]: { entries: [nest(MAX_MESSAGE_DEPTH - 1)] },
      "entries missing": { log },
      "an epoch of 15 hex digits": { entries: [], log: { epoch: "0123456789abcde", seq: 3 } },
      "a negative seq": { entries: [], log: { ...log, seq: -1 } },
      "a prefix of 7 bytes": { entries: [], want: ["00112233445566"] },
      "a prefix of an odd number of hex digits": { entries: [], want: [`${PREFIX}0`] },
      "a type tag (exchange has none)": { type: "exchange", entries: [] },
    },
  },
  {
    name: "exchangeReply",
    route: "/federation/v1/exchange",
    direction: "answer",
    schema: exchangeReply,
    valid: {
      acknowledged: { ack: 3, refused: 1 },
      "a delta": { refused: 0, delta: { log, entries: [{}], more: false } },
      "a stale pull": { refused: 0, delta: { stale: true } },
      wanted: { refused: 0, wanted: [{}] },
    },
    invalid: { "refused missing": { ack: 3 }, "stale: false": { refused: 0, delta: { stale: false } }, "a delta without more": { refused: 0, delta: { log, entries: [] } } },
  },
  {
    name: "reconcileRequest",
    route: "/federation/v1/reconcile",
    direction: "request",
    schema: reconcileRequest,
    valid: { "the first round": { message: "AQ", start: true }, "a later round": { message: "AQA" } },
    invalid: { "start: false": { message: "AQ", start: false }, "padded base64": { message: "AQ==" }, "message missing": { start: true } },
  },
  {
    name: "reconcileReply",
    route: "/federation/v1/reconcile",
    direction: "answer",
    schema: reconcileReply,
    valid: { "with the log position": { message: "AQ", log } },
    invalid: { "a message that is not a string": { message: 1 } },
  },
  {
    name: "callRequest",
    route: "/federation/v1/call",
    direction: "request",
    schema: callRequest,
    valid: {
      call,
      "a subscription call, relayed for a principal": { ...call, arguments: undefined, grant: {}, progress: false, relayedFor: "user:ops" },
      [`arguments nested to depth ${MAX_MESSAGE_DEPTH} in all`]: { ...call, arguments: { q: nest(MAX_MESSAGE_DEPTH - 2) } },
      "a call whose client can answer elicitation, logging at info": { ...call, capabilities: { elicitation: { form: {} } }, logLevel: "info" },
      "a retry with the client's answer": { ...call, capabilities: { elicitation: {} }, input: { inputResponses: { name: { action: "accept", content: { name: "Ada" } } }, requestState: "s1.AAAA.BBBB" } },
      "answers without a state (relay-passed-input)": { ...call, input: { inputResponses: { name: { action: "accept", content: {} } } } },
    },
    invalid: {
      [`arguments nested to depth ${MAX_MESSAGE_DEPTH + 1} in all`]: { ...call, arguments: { q: nest(MAX_MESSAGE_DEPTH - 1) } },
      "another type tag": { ...call, type: "subscribe" },
      "timeoutMs missing": { ...call, timeoutMs: undefined },
      "a timeout of 0": { ...call, timeoutMs: 0 },
      "a timeout over 10 minutes": { ...call, timeoutMs: 600_001 },
      "a key without an upstream": { ...call, key: "search" },
      "arguments as an array": { ...call, arguments: ["ümlauts"] },
      "33 countersigned records": { ...call, countersigned: Array(33).fill({}) },
      "input with neither answers nor a state": { ...call, input: {} },
      "a retry with an empty state": { ...call, input: { requestState: "" } },
      "a retry with a state over 16384 characters": { ...call, input: { requestState: "s".repeat(16_385) } },
      "a retry with 17 input responses": { ...call, input: { requestState: "s", inputResponses: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, {}])) } },
      "an input response that is not an object": { ...call, input: { requestState: "s", inputResponses: { name: "yes" } } },
      "an unknown log level": { ...call, logLevel: "verbose" },
      "an unknown capability": { ...call, capabilities: { telepathy: {} } },
    },
  },
  {
    name: "readRequest",
    route: "/federation/v1/call",
    direction: "request",
    schema: readRequest,
    valid: {
      read,
      "a URI a shared template matches, relayed for a principal": { ...read, kind: "resource-template", key: "archive/doc%3A%2F%2Freport%2F%7Byear%7D", relayedFor: "user:ops" },
      "a retry of a read (relay-passed-input)": { ...read, capabilities: { elicitation: {} }, input: { inputResponses: { why: { action: "accept", content: {} } }, requestState: "s1.AAAA.BBBB" } },
    },
    invalid: {
      "a key that is not percent-encoded": { ...read, key: "archive/doc://report/2024" },
      "lowercase percent-encoding": { ...read, key: "archive/doc%3a%2f%2freport%2f2024" },
      "a kind that is not read": { ...read, kind: "prompt" },
      "the uri missing": { ...read, uri: undefined },
      "an empty uri": { ...read, uri: "" },
      "arguments on a read": { ...read, arguments: {} },
      "progress on a read": { ...read, progress: true },
      "a retry of a read with a state over 16384 characters": { ...read, input: { requestState: "s".repeat(16_385) } },
    },
  },
  {
    name: "promptRequest",
    route: "/federation/v1/call",
    direction: "request",
    schema: promptRequest,
    valid: {
      prompt,
      "without arguments": { ...prompt, arguments: undefined },
      "whose client can answer elicitation (relay-passed-input)": { ...prompt, capabilities: { elicitation: {} } },
      "a retry with the client's answer and the provider's state": { ...prompt, capabilities: { elicitation: {} }, input: { inputResponses: { topic: { action: "accept", content: { topic: "x" } } }, requestState: "s1.AAAA.BBBB" } },
      "answers without a state": { ...prompt, input: { inputResponses: { topic: { action: "accept", content: {} } } } },
    },
    invalid: {
      "input with neither answers nor a state": { ...prompt, input: {} },
      "a retry with an empty state": { ...prompt, input: { requestState: "" } },
      "an unknown capability": { ...prompt, capabilities: { telepathy: {} } },
      "an input response that is not an object": { ...prompt, input: { requestState: "s", inputResponses: { topic: "yes" } } },
      "an argument that is not a string": { ...prompt, arguments: { topic: 1 } },
      "a key with a slash in the name": { ...prompt, key: "archive/sum/marise" },
      "a uri on a prompt": { ...prompt, uri: "doc://x" },
    },
  },
  {
    name: "relayRequest",
    route: "/federation/v1/call (what the route takes: a call, a read or a prompt)",
    direction: "request",
    schema: relayRequest,
    valid: { call, read, prompt },
    invalid: { "an unknown type": { ...read, type: "complete" }, "a read shaped as a call": { ...read, type: "call" } },
  },
  {
    name: "callFrame",
    route: "/federation/v1/call (each frame of the answer stream)",
    direction: "answer",
    schema: callFrame,
    valid: {
      progress: { type: "progress", seq: 0, progress: 1, total: 3, message: "searching" },
      "an answer": { type: "answer", seq: 1, answer: { ok: true, result: { content: [] }, receipt: {}, acked: [ID] } },
      "a failed call": { type: "answer", seq: 1, answer: { ok: false, error: { code: "not_shared", message: "not shared with you" }, acked: [] } },
      "a log message": { type: "log", seq: 0, level: "warning", logger: "archive", data: { note: "slow index" } },
      "input required": {
        type: "answer",
        seq: 1,
        answer: { ok: true, inputRequired: { inputRequests: { name: { method: "elicitation/create", params: { message: "Your name?", requestedSchema: { type: "object", properties: {} } } } }, requestState: "s1.AAAA.BBBB" }, acked: [] },
      },
      "a refused request state": { type: "answer", seq: 1, answer: { ok: false, error: { code: "bad_request_state", message: "invalid requestState" }, acked: [] } },
      "a spent daily quota (issue 14)": {
        type: "answer",
        seq: 0,
        answer: { ok: false, error: { code: "quota_exceeded", message: "daily quota: this node takes 5000 requests in any 24 hours from its newcomer peers", mcp: -32032 }, acked: [] },
      },
      "a missing capability, with what the client must declare": {
        type: "answer",
        seq: 1,
        answer: { ok: false, error: { code: "upstream_error", message: "needs sampling", mcp: -32021, requiredCapabilities: { sampling: {} } }, acked: [] },
      },
    },
    invalid: {
      "an unknown type tag": { type: "result", seq: 0 },
      "an unknown error code": { type: "answer", seq: 1, answer: { ok: false, error: { code: "teapot", message: "" }, acked: [] } },
      "a result that is not an object": { type: "answer", seq: 1, answer: { ok: true, result: [], receipt: {}, acked: [] } },
      "a negative seq": { type: "progress", seq: -1, progress: 1 },
      "a log message at an unknown level": { type: "log", seq: 0, level: "verbose", data: "x" },
      "a log message without data": { type: "log", seq: 0, level: "info" },
      "a log message over 8 KiB": { type: "log", seq: 0, level: "info", data: "x".repeat(8 * 1024) },
      "input required with no input requests": { type: "answer", seq: 1, answer: { ok: true, inputRequired: { inputRequests: {}, requestState: "s" }, acked: [] } },
      "input required without a state": { type: "answer", seq: 1, answer: { ok: true, inputRequired: { inputRequests: { name: { method: "elicitation/create" } } }, acked: [] } },
      "input required with a receipt": { type: "answer", seq: 1, answer: { ok: true, inputRequired: { inputRequests: { name: { method: "elicitation/create" } }, requestState: "s" }, receipt: {}, acked: [] } },
      "required capabilities with another code than -32021": { type: "answer", seq: 1, answer: { ok: false, error: { code: "upstream_error", message: "", mcp: -32603, requiredCapabilities: { sampling: {} } }, acked: [] } },
      "required capabilities as an array of names": { type: "answer", seq: 1, answer: { ok: false, error: { code: "upstream_error", message: "", mcp: -32021, requiredCapabilities: ["sampling"] }, acked: [] } },
      "no required capability": { type: "answer", seq: 1, answer: { ok: false, error: { code: "upstream_error", message: "", mcp: -32021, requiredCapabilities: {} }, acked: [] } },
      "required capabilities over 1 KiB": {
        type: "answer",
        seq: 1,
        answer: { ok: false, error: { code: "upstream_error", message: "", mcp: -32021, requiredCapabilities: { sampling: { note: "x".repeat(1024) } } }, acked: [] },
      },
      "an input request without a method": { type: "answer", seq: 1, answer: { ok: true, inputRequired: { inputRequests: { name: { params: {} } }, requestState: "s" }, acked: [] } },
    },
  },
  {
    name: "completeRequest",
    route: "/federation/v1/complete",
    direction: "request",
    schema: completeRequest,
    valid: {
      "a prompt's argument": complete,
      "a template's argument, with context, relayed for a principal": {
        ...complete,
        kind: "resource-template",
        key: "archive/doc%3A%2F%2Freport%2F%7Byear%7D",
        argument: { name: "year", value: "20" },
        context: { arguments: { region: "eu" } },
        relayedFor: "user:ops",
      },
    },
    invalid: {
      "a resource, which has no arguments": { ...complete, kind: "resource", key: "archive/doc%3A%2F%2Freport%2F2024" },
      "a template key that is not percent-encoded": { ...complete, kind: "resource-template", key: "archive/doc://report/{year}" },
      "the argument missing": { ...complete, argument: undefined },
      "an argument without a name": { ...complete, argument: { name: "", value: "x" } },
      "a value over 2,048 characters": { ...complete, argument: { name: "topic", value: "x".repeat(2049) } },
      "a context argument that is not a string": { ...complete, context: { arguments: { n: 1 } } },
      "33 context arguments": { ...complete, context: { arguments: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`a${i}`, "v"])) } },
      "an intent, which a completion does not carry": { ...complete, intent: {} },
      "another type tag": { ...complete, type: "prompt" },
    },
  },
  {
    name: "completeReply",
    route: "/federation/v1/complete",
    direction: "answer",
    schema: completeReply,
    valid: {
      completions: { ok: true, completion: { values: ["summary", "summer"], total: 2, hasMore: false } },
      "no completions": { ok: true, completion: { values: [] } },
      refused: { ok: false, error: { code: "not_shared", message: "archive/summarise is not shared by this node" } },
      "a caller in quarantine (issue 14)": { ok: false, error: { code: "quarantined", message: "this node holds the caller in quarantine" } },
      "a spent daily quota (issue 14)": { ok: false, error: { code: "quota_exceeded", message: "daily quota", mcp: -32032 } },
    },
    invalid: {
      "101 values": { ok: true, completion: { values: Array(101).fill("v") } },
      "a value that is not a string": { ok: true, completion: { values: [1] } },
      "a negative total": { ok: true, completion: { values: [], total: -1 } },
      "a refusal with completions": { ok: false, completion: { values: [] }, error: { code: "forbidden", message: "" } },
      "a receipt, which a completion does not make": { ok: true, completion: { values: [] }, receipt: {} },
    },
  },
  {
    name: "resourceSubscribeRequest",
    route: "/federation/v1/resource-subscribe",
    direction: "request",
    schema: resourceSubscribeRequest,
    valid: {
      "a ten-minute lease": resourceSubscribe,
      "a one-second lease, relayed for a principal": { ...resourceSubscribe, leaseSeconds: 1, relayedFor: "user:ops" },
    },
    invalid: {
      "a lease over ten minutes": { ...resourceSubscribe, leaseSeconds: 601 },
      "no lease": { ...resourceSubscribe, leaseSeconds: 0 },
      "a fractional lease": { ...resourceSubscribe, leaseSeconds: 1.5 },
      "a template's key that is not percent-encoded": { ...resourceSubscribe, key: "archive/doc://report/{year}" },
      "a key naming no upstream": { ...resourceSubscribe, key: "doc%3A%2F%2Freport%2F2024" },
      "no URI": { ...resourceSubscribe, uri: "" },
      "a URI over 2,048 characters": { ...resourceSubscribe, uri: "x".repeat(2049) },
      "an intent, which a subscription does not carry": { ...resourceSubscribe, intent: {} },
      "another type tag": { ...resourceSubscribe, type: "subscribe" },
    },
  },
  {
    name: "resourceSubscribeReply",
    route: "/federation/v1/resource-subscribe",
    direction: "answer",
    schema: resourceSubscribeReply,
    valid: {
      "a lease until then": { ok: true, until: 1_800_000_600_000 },
      refused: { ok: false, error: { code: "not_shared", message: "doc://report/2024 is not shared by this node", mcp: -32002 } },
      "at the cap": { ok: false, error: { code: "rate_limited", message: "at most 64 resource leases per peer" } },
      "a caller in quarantine (issue 14)": { ok: false, error: { code: "quarantined", message: "this node holds the caller in quarantine" } },
      "a spent daily quota (issue 14)": { ok: false, error: { code: "quota_exceeded", message: "daily quota", mcp: -32032 } },
    },
    invalid: {
      "no end": { ok: true },
      "an end before the epoch": { ok: true, until: -1 },
      "a refusal with an end": { ok: false, until: 1, error: { code: "not_shared", message: "" } },
      "an unknown error code": { ok: false, error: { code: "not_subscribed", message: "" } },
    },
  },
  {
    name: "resourceUnsubscribeRequest",
    route: "/federation/v1/resource-unsubscribe",
    direction: "request",
    schema: resourceUnsubscribeRequest,
    valid: { "a lease's key": { type: "resource-unsubscribe", key: leaseKey } },
    invalid: {
      "no key": { type: "resource-unsubscribe" },
      "a URI instead of a key": { type: "resource-unsubscribe", key: "doc://report/2024" },
      "another type tag": { type: "resource-subscribe", key: leaseKey },
    },
  },
  {
    name: "resourceUnsubscribeReply",
    route: "/federation/v1/resource-unsubscribe",
    direction: "answer",
    schema: resourceUnsubscribeReply,
    valid: { ended: { ok: true, ended: true }, "no lease to end": { ok: true, ended: false } },
    invalid: { "not saying whether one ended": { ok: true }, "a refusal": { ok: false, error: { code: "not_shared", message: "" } } },
  },
  {
    name: "resourceUpdatedRequest",
    route: "/federation/v1/resource-updated",
    direction: "request",
    schema: resourceUpdatedRequest,
    valid: { "a resource changed": resourceUpdated },
    invalid: {
      "no URI": { type: "resource-updated", key: leaseKey },
      "the resource's contents": { ...resourceUpdated, contents: [] },
      "a key naming no upstream": { ...resourceUpdated, key: "doc%3A%2F%2Freport%2F2024" },
      "another type tag": { ...resourceUpdated, type: "resources/updated" },
    },
  },
  {
    name: "resourceUpdatedReply",
    route: "/federation/v1/resource-updated",
    direction: "answer",
    schema: resourceUpdatedReply,
    valid: { taken: { ok: true }, "not subscribed": { ok: false, error: { code: "not_subscribed", message: "this node holds no subscription to it" } } },
    invalid: {
      "another error code": { ok: false, error: { code: "not_shared", message: "" } },
      "taken with an error": { ok: true, error: { code: "not_subscribed", message: "" } },
    },
  },
  {
    name: "countersignedPush",
    route: "/federation/v1/countersigned",
    direction: "request",
    schema: countersignedPush,
    valid: { "one record": { type: "countersigned", records: [{}] } },
    invalid: { "no records": { type: "countersigned", records: [] }, "33 records": { type: "countersigned", records: Array(33).fill({}) }, "another type tag": { type: "receipts", records: [{}] } },
  },
  {
    name: "countersignedAck",
    route: "/federation/v1/countersigned",
    direction: "answer",
    schema: countersignedAck,
    valid: { acked: { acked: [ID] } },
    invalid: { "acked missing": {} },
  },
  {
    name: "receiptsRequest",
    route: "/federation/v1/receipts",
    direction: "request",
    schema: receiptsRequest,
    valid: { "one id": { type: "receipts", ids: [ID] } },
    invalid: { "an id in upper case": { type: "receipts", ids: [ID.toUpperCase()] }, "no ids": { type: "receipts", ids: [] }, "65 ids": { type: "receipts", ids: Array(65).fill(ID) } },
  },
  {
    name: "receiptsReply",
    route: "/federation/v1/receipts",
    direction: "answer",
    schema: receiptsReply,
    valid: { "one held, one missing": { records: [{}], missing: [ID] } },
    invalid: { "missing not given": { records: [] } },
  },
  {
    name: "subscribeRequest",
    route: "/federation/v1/subscribe",
    direction: "request",
    schema: subscribeRequest,
    valid: {
      subscribe: { type: "subscribe", key: "archive/search", grant: {}, intent: {} },
      "a package licence, its version with build metadata": { type: "subscribe", key: "package/probe@1.0.0+build.1", grant: {}, intent: {} },
    },
    invalid: {
      "another type tag": { type: "call", key: "archive/search", grant: {}, intent: {} },
      "a key with a space": { type: "subscribe", key: "archive/a b", grant: {}, intent: {} },
      "a tool's label with +": { type: "subscribe", key: "archive/search@v1+x", grant: {}, intent: {} },
      "a package key with a space in its version": { type: "subscribe", key: "package/probe@1.0.0 build", grant: {}, intent: {} },
    },
  },
  {
    name: "subscribeReply",
    route: "/federation/v1/subscribe",
    direction: "answer",
    schema: subscribeReply,
    valid: { granted: { ok: true, grant: {}, receipt: {} }, refused: { ok: false, error: { code: "price_changed", message: "the price changed" } } },
    invalid: { "a refusal with the grant": { ok: false, grant: {}, error: { code: "forbidden", message: "" } } },
  },
  {
    name: "ledgerReconcileRequest",
    route: "/federation/v1/ledger-reconcile",
    direction: "request",
    schema: ledgerReconcileRequest,
    valid: { round: { message: "AQ" } },
    invalid: { "the gossip round's start flag": { message: "AQ", start: true }, "a message with a space": { message: "A Q" } },
  },
  {
    name: "ledgerReconcileReply",
    route: "/federation/v1/ledger-reconcile",
    direction: "answer",
    schema: ledgerReconcileReply,
    valid: { round: { message: "" } },
    invalid: { "message missing": {} },
  },
  {
    name: "ledgerTransferRequest",
    route: "/federation/v1/ledger-transfer",
    direction: "request",
    schema: ledgerTransferRequest,
    // Each record is checked here only for its kind's shape, then verified on its own (§8.7).
    valid: { transfer: { records: [{ intent: {} }, { setOff: {} }, { settlement: {} }], want: [PREFIX] } },
    invalid: {
      "want missing": { records: [] },
      "501 records": { records: Array(501).fill({ intent: {} }), want: [] },
      "a record of no kind": { records: [{}], want: [] },
    },
  },
  {
    name: "ledgerTransferReply",
    route: "/federation/v1/ledger-transfer",
    direction: "answer",
    schema: ledgerTransferReply,
    valid: { answer: { refused: 0, wanted: [{ setOff: {} }] } },
    invalid: { "a negative count": { refused: -1, wanted: [] }, "a record of no kind": { refused: 0, wanted: [{}] } },
  },
  {
    name: "settlementRequest",
    route: "/federation/v1/settlement",
    direction: "request",
    schema: settlementRequest,
    valid: { pending: { type: "settlement", record: { settlement: SETTLEMENT, sigs: { payer: "c2ln" } } } },
    invalid: {
      "already countersigned": { type: "settlement", record: { settlement: SETTLEMENT, sigs: { payer: "c2ln", payee: "c2ln" } } },
      "a zero amount": { type: "settlement", record: { settlement: { ...SETTLEMENT, amount: 0 }, sigs: { payer: "c2ln" } } },
      "an unknown method": { type: "settlement", record: { settlement: { ...SETTLEMENT, method: "cash" }, sigs: { payer: "c2ln" } } },
    },
  },
  {
    name: "settlementReply",
    route: "/federation/v1/settlement",
    direction: "answer",
    schema: settlementReply,
    valid: {
      confirmed: { type: "settlement", status: "confirmed", record: { settlement: SETTLEMENT, sigs: { payer: "c2ln", payee: "c2ln" } } },
      pending: { type: "settlement", status: "pending", reason: "unverified" },
      refused: { type: "settlement", status: "refused", reason: "bad_payer_signature" },
    },
    invalid: { "an unknown status": { type: "settlement", status: "lost" }, "refused without a reason": { type: "settlement", status: "refused" } },
  },
  {
    name: "ledgerCheckpointRequest",
    route: "/federation/v1/ledger-checkpoint",
    direction: "request",
    schema: ledgerCheckpointRequest,
    valid: { checkpoint: { type: "ledger-checkpoint", checkpoint: {}, ids: [ID, "6f".repeat(32)] } },
    invalid: {
      "no ids": { type: "ledger-checkpoint", checkpoint: {}, ids: [] },
      "an id twice": { type: "ledger-checkpoint", checkpoint: {}, ids: [ID, ID] },
      "257 ids": { type: "ledger-checkpoint", checkpoint: {}, ids: Array.from({ length: 257 }, (_, i) => i.toString(16).padStart(64, "0")) },
      "wrong type tag": { type: "checkpoint", checkpoint: {}, ids: [ID] },
    },
  },
  {
    name: "ledgerCheckpointReply",
    route: "/federation/v1/ledger-checkpoint",
    direction: "answer",
    schema: ledgerCheckpointReply,
    valid: { covered: { verdict: "covered", missing: [] }, missing: { verdict: "missing", missing: [ID] }, refused: { verdict: "refused", reason: "fork", missing: [] } },
    invalid: { "an unknown verdict": { verdict: "maybe", missing: [] }, "missing absent": { verdict: "covered" } },
  },
];

const text = (value: unknown) => (value !== null && typeof value === "object" && "raw" in value ? (value as { raw: string }).raw : JSON.stringify(value));

/** What the receiver of `plaintext` makes of it: the parsed message, or null when refused. */
function parse(m: Message, plaintext: string): unknown {
  if (m.direction === "request") return parseMessage(new TextEncoder().encode(plaintext), m.schema) ?? null;
  let json: unknown;
  try {
    json = JSON.parse(plaintext);
  } catch {
    return null;
  }
  const parsed = m.schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

export function messageVectors(): void {
  const out = messages.map((m) => {
    const cases = [
      ...Object.entries(m.valid).map(([name, value]) => ({ name, plaintext: text(value), result: JSON.parse(text(value)) as unknown })),
      ...Object.entries(m.invalid).map(([name, value]) => ({ name, plaintext: text(value), result: null })),
    ];
    for (const c of cases) agree(`${m.name}: ${c.name}`, c.result, parse(m, c.plaintext));
    return { name: m.name, route: m.route, direction: m.direction, cases };
  });
  write("messages.json", {
    about:
      "Federation messages (docs/protocol.md §6, §7.6, §8.7): each `plaintext` is what an envelope or a sealed answer carries; `result` is the message it parses to, or null when the receiver refuses it. " +
      `Requests are refused as well when nested more than ${MAX_MESSAGE_DEPTH} levels deep (the top-level object is level 1); answers are checked against their schema only. ` +
      "Entries, records, intents and grants inside are opaque at this layer (see the registry and ledger vectors).",
    maxDepth: MAX_MESSAGE_DEPTH,
    messages: out,
  });
}
