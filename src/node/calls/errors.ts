// Upstream failures, mapped to MCP errors that say which upstream failed and how. Never a 500.
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { redact } from "../../secrets/redaction.ts";
import type { Outcome } from "./invocations.ts";

/** Application error codes, in the JSON-RPC range reserved for servers. */
export const FedErrorCode = {
  UpstreamUnavailable: -32010,
  Cancelled: -32011,
  /** A peer refused a relayed call (not shared, changed, priced differently, the intent refused). */
  PeerRefused: -32012,
  /** A peer's receipt did not verify: the result is withheld and the record flagged. */
  ReceiptRejected: -32013,
} as const;

export function unknownTool(name: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`, { type: "unknown_tool" });
}

/** Classifies a failed upstream request and builds the error the client gets. */
export function upstreamFailure(upstream: string, err: unknown, signal?: AbortSignal): { outcome: Outcome; error: McpError } {
  if (signal?.aborted) {
    return {
      outcome: "cancelled",
      error: new McpError(FedErrorCode.Cancelled, "the request was cancelled", { type: "cancelled" }),
    };
  }
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) {
      return {
        outcome: "timeout",
        error: new McpError(ErrorCode.RequestTimeout, `upstream "${upstream}" timed out`, { type: "upstream_timeout", upstream }),
      };
    }
    if (err.code !== ErrorCode.ConnectionClosed) {
      // The SDK prefixes "MCP error <code>: "; the client sees the code anyway.
      const message = redact(err.message.replace(/^MCP error -?\d+: /, ""));
      return {
        outcome: "upstream_error",
        error: new McpError(err.code, `upstream "${upstream}": ${message}`, { type: "upstream_error", upstream }),
      };
    }
  }
  const reason = redact(err instanceof Error ? err.message : String(err));
  return {
    outcome: "unavailable",
    error: new McpError(FedErrorCode.UpstreamUnavailable, `upstream "${upstream}" is unavailable: ${reason}`, {
      type: "upstream_unavailable",
      upstream,
    }),
  };
}
