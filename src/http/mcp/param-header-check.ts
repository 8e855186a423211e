// SEP-2243 at /mcp: a 2026-07-28 tools/call whose Mcp-Param-* headers disagree with its arguments
// (as the called tool's schema, as this node lists it, declares them) is refused with 400 and
// -32020 (HeaderMismatch) before anything runs, and no upstream is called. The SDK's handler does
// this only for tools an McpServer registered itself; the node's tools come from its catalog.
import { z } from "zod";
import type { Caller } from "../../node/access/principals/caller.ts";
import { callInputSchema, type CallSchemaPorts } from "../../node/catalog/call-input-schema.ts";
import { checkParamHeaders, decodeParamHeader, paramHeaders } from "../../protocol/mcp/param-headers.ts";

/** The spec's code for headers that disagree with the body. */
export const HEADER_MISMATCH = -32020;

const toolsCall = z.object({
  id: z.union([z.string(), z.number()]),
  method: z.literal("tools/call"),
  params: z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() }),
});

const REASONS = {
  missing: "the argument is in the body but the header is absent",
  invalid_encoding: "the header's Base64 value is not valid",
  mismatch: "the header and the argument differ",
} as const;

/**
 * The refusal for a call whose parameter headers disagree with its body, or undefined to serve it.
 * A request whose standard headers (Mcp-Method, Mcp-Name) do not match its body is left to the SDK,
 * which refuses it first, as the SEP orders the checks.
 */
export async function paramHeaderRefusal(s: CallSchemaPorts, caller: Caller, request: Request, body: unknown): Promise<Response | undefined> {
  const call = toolsCall.safeParse(body);
  if (!call.success) return undefined;
  const header = (name: string) => request.headers.get(name)?.trim();
  const nameHeader = header("mcp-name");
  if (header("mcp-method") !== "tools/call" || nameHeader === undefined || decodeParamHeader(nameHeader) !== call.data.params.name) return undefined;
  const declared = paramHeaders(await callInputSchema(s, caller, call.data.params.name));
  if (declared.length === 0) return undefined;
  const mismatch = checkParamHeaders(declared, call.data.params.arguments ?? {}, header);
  if (!mismatch) return undefined;
  const message = `Bad Request: the request headers and body disagree: ${mismatch.header}: ${REASONS[mismatch.reason]}`;
  return Response.json(
    { jsonrpc: "2.0", id: call.data.id, error: { code: HEADER_MISMATCH, message, data: { mismatch: { header: mismatch.header, reason: mismatch.reason } } } },
    { status: 400 },
  );
}
