// A tools/call relayed to the upstream that hosts the tool: with a timeout, cancellation and
// progress passed through, failures mapped to MCP errors, and one line in the invocation log.
import type { CallToolResult, Progress } from "@modelcontextprotocol/sdk/types.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { markUnavailable, targetOf, type UpstreamRow } from "../upstreams/repository.ts";
import type { Caller, Services } from "../services.ts";
import type { CatalogTool } from "../catalog/repository.ts";
import { upstreamFailure } from "./errors.ts";
import { appendInvocation, type Outcome } from "./invocations.ts";
import { log } from "../log.ts";

export interface ToolCall {
  tool: CatalogTool;
  upstream: UpstreamRow;
  arguments: Record<string, unknown> | undefined;
  /** The name the client used: a short name, or call_tool's id. */
  calledAs: string;
  requestId: string | number;
  signal: AbortSignal;
  onprogress?: ((p: Progress) => void) | undefined;
  /** Why policy let the call through, for the audit trail. */
  authorization: string;
}

export async function proxyToolCall(s: Services, caller: Caller, call: ToolCall): Promise<CallToolResult> {
  const started = performance.now();
  const at = Date.now();
  const { signal, done } = s.inflight.start(caller.id, call.requestId, call.signal);
  let outcome: Outcome = "ok";
  let error: string | null = null;
  try {
    const result = await s.pool.use(targetOf(call.upstream), (client) =>
      client.callTool({ name: call.tool.name, arguments: call.arguments }, CallToolResultSchema, {
        signal,
        timeout: s.config.callTimeoutMs,
        resetTimeoutOnProgress: true,
        maxTotalTimeout: s.config.callTimeoutMs * 10,
        ...(call.onprogress ? { onprogress: call.onprogress } : {}),
      }),
    );
    if (result.isError) outcome = "tool_error";
    return result as CallToolResult;
  } catch (err) {
    const failure = upstreamFailure(call.tool.upstream, err, signal);
    outcome = failure.outcome;
    error = failure.error.message;
    if (outcome === "unavailable") caller.defer(markUnavailable(s.db, call.tool.upstream, error));
    throw failure.error;
  } finally {
    done();
    const durationMs = Math.round(performance.now() - started);
    caller.defer(
      appendInvocation(s.db, {
        at,
        caller: caller.id,
        toolId: call.tool.globalId,
        toolName: call.calledAs,
        upstream: call.tool.upstream,
        durationMs,
        outcome,
        error,
        arguments: s.config.logArguments ? (call.arguments ?? null) : null,
      }).catch((e: unknown) => log.error("invocation.log_failed", { error: String(e) })),
    );
    caller.defer(
      s.access.audit.append({
        actor: caller.id,
        action: "tool.call",
        target: call.tool.globalId,
        decision: "allow",
        reason: call.authorization,
        details: {
          calledAs: call.calledAs,
          outcome,
          durationMs,
          ...(error ? { error } : {}),
          ...(s.config.logArguments ? { arguments: call.arguments ?? null } : {}),
        },
      }),
    );
  }
}
