// A tools/call relayed to the upstream that hosts the tool: with a timeout, cancellation and
// progress passed through, failures mapped to MCP errors, and one line in the invocation log.
import { LOG_LEVEL_META_KEY, SdkHttpError, UnauthorizedError, type CallToolRequest, type CallToolResult, type Client, type Progress, type RequestOptions, type Tool } from "@modelcontextprotocol/client";
import type { Callable } from "../../store/catalog.ts";
import type { Caller } from "../access/principals/caller.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import type { UpstreamPool } from "../upstreams/pool.ts";
import type { Interaction } from "../interactive/input-requests.ts";
import { passingInput, type ClientInput, type PassedInputRequired } from "../interactive/passed-rounds.ts";
import { liveSecrets } from "../../secrets/redactor.ts";
import { markUnavailable } from "../../store/upstreams.ts";
import { connectRequired, reachFor, type ReachPorts } from "../upstreams/per-principal.ts";
import { upstreamFailure } from "./errors.ts";
import type { Inflight } from "./inflight.ts";
import { recordCall, type CallRecording, type Outcome } from "./invocations.ts";

/** What a proxied call needs: the caller's reach, the upstream sessions, and the logs. */
export interface ProxyPorts extends ReachPorts, CallRecording {
  db: Database;
  config: Pick<Config, "nodeName" | "publicUrl" | "callTimeoutMs" | "logArguments">;
  access: ReachPorts["access"] & CallRecording["access"];
  inflight: Inflight;
  pool: Pick<UpstreamPool, "use" | "useInteractive">;
}

export interface ToolCall {
  tool: Callable;
  arguments: Record<string, unknown> | undefined;
  /** The name the client used: a short name, or call_tool's id. */
  calledAs: string;
  requestId: string | number;
  signal: AbortSignal;
  onprogress?: ((p: Progress) => void) | undefined;
  /** Why policy let the call through, for the audit trail. */
  authorization: string;
  /** A relayed call's timeout, when the consumer asked for less than this node allows. */
  timeoutMs?: number;
  /** The caller can answer what the upstream asks (src/node/interactive/). */
  interaction?: Interaction | undefined;
  /** A 2026-07-28 caller's input: a 2026-07-28 upstream's input_required then comes back as it is. */
  clientInput?: ClientInput | undefined;
}

/** The caller has no working credential of its own for a per-principal upstream. */
class MissingCredential extends Error {
  constructor(override readonly cause: unknown) {
    super("no credential");
  }
}

export async function proxyToolCall(s: ProxyPorts, caller: Caller, call: ToolCall): Promise<CallToolResult | PassedInputRequired> {
  const started = performance.now();
  const at = Date.now();
  const { tool, onprogress } = call;
  // A 2026-07-28 upstream logs only for a request that names a level; an older one ignores the key
  // and has the level from logging/setLevel (src/node/upstreams/pool.ts).
  const level = call.interaction?.logLevel;
  const levelMeta = level ? { _meta: { [LOG_LEVEL_META_KEY]: level } } : {};
  const timeout = Math.min(call.timeoutMs ?? s.config.callTimeoutMs, s.config.callTimeoutMs);
  const { signal, done } = s.inflight.start(caller.id, call.requestId, call.signal);
  let outcome: Outcome = "ok";
  let error: string | null = null;
  let ownSession = false;
  try {
    const reach = await reachFor(s, caller, { ...tool, name: tool.upstream }).catch((err: unknown) => {
      throw new MissingCredential(err);
    });
    ownSession = reach.owner.principal !== undefined;
    const request = { method: "tools/call", params: { name: tool.name, arguments: call.arguments ?? {}, ...levelMeta } };
    const options = {
      // The upstream's schema, so that a 2026-07-28 upstream gets the Mcp-Param-* headers it
      // declares (SEP-2243); without outputSchema, the result is passed on unchecked, as before.
      toolDefinition: { name: tool.name, inputSchema: tool.inputSchema as Tool["inputSchema"] },
      signal,
      timeout,
      resetTimeoutOnProgress: true,
      maxTotalTimeout: timeout * 10,
      ...(onprogress ? { onprogress: (p: Progress) => onprogress(liveSecrets.redactJson(p)) } : {}),
    };
    const callTool = (client: Client, params: Record<string, unknown>, o: RequestOptions) => client.callTool(params as CallToolRequest["params"], { ...options, ...o });
    const run = (client: Client) =>
      passingInput(client, call.clientInput, request, options, () => callTool(client, request.params, options), (r, o) => callTool(client, r.params, o));
    const result = (await (call.interaction ? s.pool.useInteractive(reach.target, call.interaction, run) : s.pool.use(reach.target, run, reach.owner))
      .catch(async (err: unknown) => {
        // The upstream turned the caller's own credential away: the caller, not the upstream, must act.
        if (ownSession && (err instanceof UnauthorizedError || (err instanceof SdkHttpError && err.status === 401))) {
          throw new MissingCredential(await connectRequired(s, caller, tool.upstream, "refused your credential"));
        }
        throw err;
      })) as CallToolResult | PassedInputRequired;
    if (result.isError) outcome = "tool_error";
    // A tool may echo the credential the node called it with; the caller must not see it.
    return liveSecrets.redactJson(result);
  } catch (err) {
    if (err instanceof MissingCredential) {
      // The connect link stays out of the log: it lets its holder act for the caller.
      outcome = "no_credential";
      error = `no working credential of the caller's own for upstream "${tool.upstream}"`;
      throw err.cause;
    }
    const failure = upstreamFailure(tool.upstream, err, signal);
    outcome = failure.outcome;
    error = failure.error.message;
    // One caller's session failing says nothing of the upstream as others reach it.
    if (outcome === "unavailable" && !ownSession) caller.defer(markUnavailable(s.db, tool.upstream, error));
    throw failure.error;
  } finally {
    done();
    recordCall(s, caller, {
      at,
      toolId: tool.globalId,
      calledAs: call.calledAs,
      upstream: tool.upstream,
      durationMs: Math.round(performance.now() - started),
      outcome,
      error,
      arguments: call.arguments,
      authorization: call.authorization,
    });
  }
}
