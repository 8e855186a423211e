// The relay's messages of mcpfed/1 (docs/protocol.md, "Relayed calls"), as zod schemas. A call
// travels in an envelope to the node that hosts the tool; its answer is a stream of sealed frames:
// progress and log notifications, then one final answer: the result and the signed receipt, or
// the input the upstream needs before it can finish (a multi round-trip request).
import { z } from "zod";
import { entryKey } from "../registry/entry.ts";
import { packageKey } from "../registry/package-entries.ts";
import { traceFields } from "../tracing/trace-context.ts";

/** The feature (§2) under which a call may carry retry input and a log level, and its answer input requests and log frames. */
export const INTERACTION_FEATURE = "relay-interaction";
/**
 * The feature (§2, since issue 12) under which a relayed prompt or read carries the client's
 * capabilities and input and its answer input requests, and a call's input may come without a state.
 */
export const PASSED_INPUT_FEATURE = "relay-passed-input";
/** Input requests one answer may carry, and input responses one retry may carry. */
export const MAX_INPUTS = 16;
/** A provider's request state, as text, is at most this long. */
export const MAX_REQUEST_STATE = 16 * 1024;
/** A log frame's data, as JSON, is at most this long. */
export const MAX_LOG_DATA_BYTES = 8 * 1024;
/** MCP's log levels (RFC 5424 severities), least severe first. */
export const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const logLevel = z.enum(LOG_LEVELS);

const inputKey = z.string().min(1).max(128);
const requestState = z.string().min(1).max(MAX_REQUEST_STATE);

/** What the consumer's client can answer (MCP client capabilities): the provider asks nothing else. */
export const inputCapabilities = z.strictObject({
  elicitation: z.looseObject({}).optional(),
  sampling: z.looseObject({}).optional(),
  roots: z.looseObject({}).optional(),
});
export type InputCapabilities = z.infer<typeof inputCapabilities>;

/**
 * A retry's input: the client's answers to the provider's input requests, and the provider's state
 * as it gave it. Answers without a state ("relay-passed-input") go to the upstream as they are.
 */
export const callInput = z
  .strictObject({
    inputResponses: z
      .record(inputKey, z.looseObject({}))
      .refine((r) => Object.keys(r).length <= MAX_INPUTS, `at most ${MAX_INPUTS} input responses`)
      .optional(),
    requestState: requestState.optional(),
  })
  .refine((i) => i.requestState !== undefined || i.inputResponses !== undefined, "input without a requestState carries inputResponses");
export type CallInput = z.infer<typeof callInput>;

/** What the upstream needs before the call can finish: MCP requests (elicitation, sampling, roots) keyed by the provider. */
export const inputRequired = z.strictObject({
  inputRequests: z
    .record(inputKey, z.looseObject({ method: z.string().min(1).max(128), params: z.looseObject({}).optional() }))
    .refine((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= MAX_INPUTS, `between 1 and ${MAX_INPUTS} input requests`),
  requestState,
});
export type InputRequired = z.infer<typeof inputRequired>;

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
  /** What the client behind the call can answer; without it the provider asks nothing ("relay-interaction"). */
  capabilities: inputCapabilities.optional(),
  /** A retry of a call answered with input requests ("relay-interaction"). */
  input: callInput.optional(),
  /** The client's log level: log frames at it or above are streamed ("relay-interaction"). */
  logLevel: logLevel.optional(),
  /** The consumer's hop span, to parent the provider's spans ("trace-context", §5.7); malformed, it is dropped. */
  ...traceFields,
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
  "bad_request_state",
  "internal",
  /** The caller's trust tier may owe this provider no more (issue 14): settle, or call under a subscription. */
  "credit_limit",
  /** The provider holds the caller in quarantine (issue 14). */
  "quarantined",
  /** The caller's trust tier has made its requests of the last 24 hours at the provider (issue 14). */
  "quota_exceeded",
] as const;
export type CallErrorCode = (typeof CALL_ERRORS)[number];

/** MCP's MissingRequiredClientCapabilityError code (2026-07-28). */
export const MISSING_CAPABILITY = -32021;

/** The capability names a missing-capability error may carry, and how large they may be as JSON. */
export const MAX_REQUIRED_CAPABILITIES = 8;
export const MAX_REQUIRED_CAPABILITIES_BYTES = 1024;

/**
 * The data of MCP's -32021 (MissingRequiredClientCapabilityError): the client capabilities the
 * upstream needed, as a ClientCapabilities object keyed by capability ({"sampling": {}}).
 */
export const requiredCapabilities = z
  .record(z.string().min(1).max(64), z.looseObject({}))
  .refine((r) => {
    const n = Object.keys(r).length;
    return n >= 1 && n <= MAX_REQUIRED_CAPABILITIES && new TextEncoder().encode(JSON.stringify(r)).length <= MAX_REQUIRED_CAPABILITIES_BYTES;
  }, `between 1 and ${MAX_REQUIRED_CAPABILITIES} capabilities, at most ${MAX_REQUIRED_CAPABILITIES_BYTES} bytes as JSON`);

export const callError = z.strictObject({
  code: z.enum(CALL_ERRORS),
  message: z.string().max(2000),
  /** The JSON-RPC error code the provider's own client would have seen, when there is one. */
  mcp: z.number().int().optional(),
  /** With `mcp` -32021 only: what the client must declare; the consumer hands it on as the error's data. */
  requiredCapabilities: requiredCapabilities.optional(),
}).refine((e) => e.requiredCapabilities === undefined || e.mcp === MISSING_CAPABILITY, { message: "requiredCapabilities only with mcp -32021", path: ["requiredCapabilities"] });
export type CallError = z.infer<typeof callError>;

export const progressFrame = z.strictObject({
  type: z.literal("progress"),
  seq: z.number().int().min(0),
  progress: z.number(),
  total: z.number().optional(),
  message: z.string().max(2000).optional(),
});

export const logFrame = z.strictObject({
  type: z.literal("log"),
  seq: z.number().int().min(0),
  level: logLevel,
  logger: z.string().max(256).optional(),
  data: z.unknown().refine((d) => d !== undefined && new TextEncoder().encode(JSON.stringify(d)).length <= MAX_LOG_DATA_BYTES, `log data of at most ${MAX_LOG_DATA_BYTES} bytes as JSON`),
});
export type LogFrame = z.infer<typeof logFrame>;

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
    /** The round did not complete: no receipt, no record; the consumer retries with the input. */
    z.strictObject({ ok: z.literal(true), inputRequired, acked: z.array(z.string().max(64)).max(MAX_COUNTERSIGNED) }),
    z.strictObject({ ok: z.literal(false), error: callError, acked: z.array(z.string().max(64)).max(MAX_COUNTERSIGNED) }),
  ]),
});

export const callFrame = z.discriminatedUnion("type", [progressFrame, logFrame, answerFrame]);
export type CallFrame = z.infer<typeof callFrame>;
export type AnswerFrame = z.infer<typeof answerFrame>;

/** Countersigned records pushed on the tick; the reply names those the provider now holds confirmed. */
export const countersignedPush = z.strictObject({ type: z.literal("countersigned"), records: z.array(z.unknown()).min(1).max(MAX_COUNTERSIGNED) });
export const countersignedAck = z.strictObject({ acked: z.array(z.string().max(64)).max(MAX_COUNTERSIGNED) });
export type CountersignedAck = z.infer<typeof countersignedAck>;

/** A provider asks the consumer for the countersigned versions of records it holds pending. */
export const receiptsRequest = z.strictObject({ type: z.literal("receipts"), ids: z.array(z.string().regex(/^[0-9a-f]{64}$/)).min(1).max(MAX_ASKED) });
export const receiptsReply = z.strictObject({
  /** Countersigned records of those ids, where the consumer holds them. */
  records: z.array(z.unknown()).max(MAX_ASKED),
  /** Ids the consumer holds no record of: it never received the provider's answer. */
  missing: z.array(z.string().max(64)).max(MAX_ASKED),
});

/** A consumer buys a subscription: the grant terms it proposes (src/protocol/ledger/grant.ts) and its intent to pay for them. */
/** A tool's or an offer's entry key, or a package version's (§18.6), whose SemVer may carry `+` build metadata. */
export const subscribeRequest = z.strictObject({ type: z.literal("subscribe"), key: z.union([entryKey, packageKey]), grant: z.unknown(), intent: z.unknown() });
export const subscribeReply = z.union([
  /** The grant as the provider signed it, and the purchase's pending record. */
  z.strictObject({ ok: z.literal(true), grant: z.unknown(), receipt: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: callError }),
]);
