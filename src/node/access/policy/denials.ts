// The MCP errors a refused call gets: each says why, and what the caller can do about it.
import { ProtocolError } from "@modelcontextprotocol/server";

/** Application error codes, in the JSON-RPC range reserved for servers (after those of src/node/calls/errors.ts). */
/** Clear of the codes MCP 2026-07-28 gives meaning (-32020 to -32022: headers, capabilities, versions). */
export const AccessErrorCode = {
  Forbidden: -32030,
  GrantRequired: -32031,
  RateLimited: -32032,
} as const;

export function forbidden(tool: string, reason: string): ProtocolError {
  return new ProtocolError(AccessErrorCode.Forbidden, `Forbidden: you may not call ${tool}: ${reason}`, { type: "forbidden", tool, reason });
}

export function grantRequired(tool: string, reason: string): ProtocolError {
  return new ProtocolError(
    AccessErrorCode.GrantRequired,
    `Permission required: ${tool} needs a permission grant (${reason}). Ask for one with request_permission, then call again.`,
    { type: "grant_required", tool, reason },
  );
}

export function rateLimited(what: string, retryAfterSeconds: number): ProtocolError {
  return new ProtocolError(
    AccessErrorCode.RateLimited,
    `Rate limited: ${what}; retry after ${retryAfterSeconds} s`,
    { type: "rate_limited", retryAfterSeconds },
  );
}
