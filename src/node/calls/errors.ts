// Upstream failures, mapped to MCP errors that say which upstream failed and how. Never a 500.
import { MissingRequiredClientCapabilityError, ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode } from "@modelcontextprotocol/server";
import { redact } from "../../secrets/redaction.ts";
import type { Outcome } from "./invocations.ts";
import { failureText } from "../upstreams/failure-text.ts";

/** Application error codes, in the JSON-RPC range reserved for servers. */
export const FedErrorCode = {
  /** The code the v1 SDK gave a timeout, kept on the wire so that clients see what they saw before. */
  RequestTimeout: -32001,
  UpstreamUnavailable: -32010,
  Cancelled: -32011,
  /** A peer refused a relayed call (not shared, changed, priced differently, the intent refused). */
  PeerRefused: -32012,
  /** A peer's receipt did not verify: the result is withheld and the record flagged. */
  ReceiptRejected: -32013,
  /** The caller's budget cannot pay the call's price (protocol §17.9): nothing was sent. */
  BudgetRefused: -32014,
} as const;

/**
 * A message without the "MCP error <code>: " prefixes that SDK clients and servers put before it:
 * the code travels beside the message, and an error passed through hops would otherwise repeat it.
 */
export function withoutPrefix(message: string): string {
  return message.replace(/^(?:MCP error -?\d+: )+/, "");
}

export function unknownTool(name: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`, { type: "unknown_tool" });
}

/** Classifies a failed upstream request and builds the error the client gets. */
export function upstreamFailure(upstream: string, err: unknown, signal?: AbortSignal): { outcome: Outcome; error: ProtocolError } {
  if (signal?.aborted) {
    return {
      outcome: "cancelled",
      error: new ProtocolError(FedErrorCode.Cancelled, "the request was cancelled", { type: "cancelled" }),
    };
  }
  if (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout) {
    return {
      outcome: "timeout",
      error: new ProtocolError(FedErrorCode.RequestTimeout, `upstream "${upstream}" timed out`, { type: "upstream_timeout", upstream }),
    };
  }
  if (err instanceof SdkError && err.code === SdkErrorCode.CapabilityNotSupported) {
    // The upstream asked for input the client never declared it can give: the client's to fix.
    const method = (err.data as { method?: unknown } | undefined)?.method;
    const capability = method === "sampling/createMessage" ? "sampling" : method === "roots/list" ? "roots" : "elicitation";
    return {
      outcome: "upstream_error",
      error: new MissingRequiredClientCapabilityError({ requiredCapabilities: { [capability]: {} } }, `upstream "${upstream}" needs the client capability ${capability}, which this request did not declare`),
    };
  }
  const required = err instanceof ProtocolError && err.code === ProtocolErrorCode.MissingRequiredClientCapability ? (err.data as { requiredCapabilities?: unknown } | undefined)?.requiredCapabilities : undefined;
  if (required && typeof required === "object" && !Array.isArray(required)) {
    // A 2026-07-28 upstream refused the client's own capabilities, which it was told: what it needs goes back too.
    return {
      outcome: "upstream_error",
      error: new MissingRequiredClientCapabilityError({ requiredCapabilities: required as Record<string, object> }, `upstream "${upstream}": ${redact(withoutPrefix((err as ProtocolError).message))}`),
    };
  }
  if (err instanceof ProtocolError) {
    // The upstream answered with an error: its code, its message (once), which upstream said it.
    const message = redact(withoutPrefix(err.message));
    return {
      outcome: "upstream_error",
      error: new ProtocolError(err.code, `upstream "${upstream}": ${message}`, { type: "upstream_error", upstream }),
    };
  }
  const reason = redact(failureText(err));
  return {
    outcome: "unavailable",
    error: new ProtocolError(FedErrorCode.UpstreamUnavailable, `upstream "${upstream}" is unavailable: ${reason}`, {
      type: "upstream_unavailable",
      upstream,
    }),
  };
}
