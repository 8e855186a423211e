// The mailbox messages' vectors (docs/protocol.md §20.6, test/vectors/routes/mailbox.json): a
// poll, its result carrying one held `forwarded` message, both kinds of answer and the answer's
// result, then malformed messages, each with the schema that must refuse it. Every expectation
// is checked against the code before it is written.
import type { z } from "zod";
import {
  MAX_POLL_ITEMS,
  MAX_POLL_WAIT_SECONDS,
  mailboxAnswerRequest,
  mailboxAnswerResult,
  mailboxPollRequest,
  mailboxPollResult,
  namesMailbox,
} from "../../src/protocol/routes/mailbox.ts";
import { agree, b64, counting, write } from "./common.ts";

const SCHEMAS: Record<string, z.ZodType> = {
  "mailbox-poll": mailboxPollRequest,
  "mailbox-poll result": mailboxPollResult,
  "mailbox-answer": mailboxAnswerRequest,
  "mailbox-answer result": mailboxAnswerResult,
};

const id = b64(counting(0x30, 16));
const envelope = b64(counting(0x40, 96));
const forwarded = { type: "forwarded", envelope };
const poll = { type: "mailbox-poll", wait: MAX_POLL_WAIT_SECONDS, max: MAX_POLL_ITEMS };
const pollResult = { type: "mailbox-poll", items: [{ id, message: forwarded }] };
const answerStream = { type: "mailbox-answer", id, answer: { stream: b64(counting(0x50, 64)) } };
const answerRefused = { type: "mailbox-answer", id, answer: { refused: { code: "caller_refused", message: "this node takes forwarded calls from its peers only" } } };
const answerResult = { type: "mailbox-answer", accepted: true };

const valid = [
  { name: "a poll", schema: "mailbox-poll", message: poll },
  { name: "a poll that does not wait", schema: "mailbox-poll", message: { ...poll, wait: 0, max: 1 } },
  { name: "a poll's result with one held message", schema: "mailbox-poll result", message: pollResult },
  { name: "an empty poll result", schema: "mailbox-poll result", message: { type: "mailbox-poll", items: [] } },
  { name: "an answer carrying the call stream", schema: "mailbox-answer", message: answerStream },
  { name: "an answer carrying a refusal", schema: "mailbox-answer", message: answerRefused },
  { name: "an answer's result", schema: "mailbox-answer result", message: answerResult },
];

const invalid = [
  { name: "a wait beyond the bound", schema: "mailbox-poll", message: { ...poll, wait: MAX_POLL_WAIT_SECONDS + 1 } },
  { name: "a negative wait", schema: "mailbox-poll", message: { ...poll, wait: -1 } },
  { name: "no message asked for", schema: "mailbox-poll", message: { ...poll, max: 0 } },
  { name: "more messages asked for than a poll carries", schema: "mailbox-poll", message: { ...poll, max: MAX_POLL_ITEMS + 1 } },
  { name: "a poll with an unknown field", schema: "mailbox-poll", message: { ...poll, since: 0 } },
  { name: "a held message with a short id", schema: "mailbox-poll result", message: { type: "mailbox-poll", items: [{ id: id.slice(1), message: forwarded }] } },
  { name: "a held message that is not a forwarded message", schema: "mailbox-poll result", message: { type: "mailbox-poll", items: [{ id, message: { type: "forward", to: "x", envelope } }] } },
  { name: "more held messages than a poll carries", schema: "mailbox-poll result", message: { type: "mailbox-poll", items: Array.from({ length: MAX_POLL_ITEMS + 1 }, () => ({ id, message: forwarded })) } },
  { name: "an answer with both a stream and a refusal", schema: "mailbox-answer", message: { ...answerStream, answer: { ...answerStream.answer, ...answerRefused.answer } } },
  { name: "a stream that is not base64url", schema: "mailbox-answer", message: { ...answerStream, answer: { stream: "not base64url!" } } },
  { name: "a refusal code out of its alphabet", schema: "mailbox-answer", message: { ...answerRefused, answer: { refused: { code: "Caller-Refused", message: "" } } } },
  { name: "an answer without an id", schema: "mailbox-answer", message: { type: "mailbox-answer", answer: answerStream.answer } },
  { name: "a result that is not a boolean", schema: "mailbox-answer result", message: { type: "mailbox-answer", accepted: "yes" } },
];

for (const m of valid) agree(m.name, true, SCHEMAS[m.schema]!.safeParse(m.message).success);
for (const m of invalid) agree(m.name, false, SCHEMAS[m.schema]!.safeParse(m.message).success);

const origin = "https://mailbox.example";
const names = [
  { name: "the mailbox's origin", card: { mailboxes: [`${origin}/`] }, origin, names: true },
  { name: "another mailbox", card: { mailboxes: ["https://other.example"] }, origin, names: false },
  { name: "a card without mailboxes", card: {}, origin, names: false },
];
for (const n of names) agree(n.name, n.names, namesMailbox(n.card, n.origin));

write("routes/mailbox.json", { valid, invalid, names });
