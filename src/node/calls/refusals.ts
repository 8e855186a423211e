// What a provider tells a consumer when a local check or its upstream refused a call it took
// from another node: a relayed call, read or completion, or an anonymous call at the gateway.
import type { ProtocolError } from "@modelcontextprotocol/server";
import { withoutPrefix } from "./errors.ts";
import { MISSING_CAPABILITY, requiredCapabilities, type CallError, type CallErrorCode } from "../../protocol/messages/relay.ts";

export const refusal = (code: CallErrorCode, message: string, mcp?: number): CallError => ({ code, message, ...(mcp === undefined ? {} : { mcp }) });

/** What the provider tells the consumer of a local refusal or failure (src/node/access, src/node/calls). */
export function callErrorOf(err: ProtocolError): CallError {
  const type = (err.data as { type?: string } | undefined)?.type;
  const code: CallErrorCode =
    type === "forbidden" || type === "grant_required"
      ? "forbidden"
      : type === "rate_limited"
        ? "rate_limited"
        : type === "upstream_timeout"
          ? "upstream_timeout"
          : type === "upstream_unavailable"
            ? "upstream_unavailable"
            : type === "cancelled"
              ? "cancelled"
              : "upstream_error";
  const error = refusal(code, withoutPrefix(err.message), err.code);
  // A missing capability is the client's to fix: what it must declare travels with the code.
  const required = err.code === MISSING_CAPABILITY ? requiredCapabilities.safeParse((err.data as { requiredCapabilities?: unknown } | undefined)?.requiredCapabilities) : undefined;
  return required?.success ? { ...error, requiredCapabilities: required.data } : error;
}
