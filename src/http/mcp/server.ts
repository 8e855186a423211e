// The MCP server one /mcp request talks to: built fresh per request (the node is stateless),
// answering from the stored catalog and relaying calls to the upstream sessions in the pool.
import {
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  Server,
  type CallToolResult,
  type GetPromptResult,
  type ReadResourceResult,
  type Tool,
  type Progress,
} from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import {
  promptWithUpstream,
  prompts,
  resources,
  resourceTemplates,
  resourceUpstream,
  searchLocalTools,
  visibleTools,
  type CatalogTool,
} from "../../node/catalog/local.ts";
import { unknownTool, upstreamFailure } from "../../node/calls/errors.ts";
import { unreachableRefusal } from "../../node/relay/unreachable.ts";
import { completePeerArgument, getPeerPrompt, peerListings, readPeerResource } from "../../node/relay/peer-items.ts";
import { matchFederated, type ListedFederatedTool } from "../../node/catalog/federated-view.ts";
import { proxyToolCall } from "../../node/calls/proxy.ts";
import { completeArgument } from "../../node/calls/complete.ts";
import { liveSecrets } from "../../secrets/redactor.ts";
import { reachFor } from "../../node/upstreams/per-principal.ts";
import { callUpstreamCredentialTool, perPrincipalUpstreamsExist, UPSTREAM_CREDENTIAL, upstreamCredentialTool } from "../../node/upstreams/credential-tool.ts";
import { callGrantTool, grantResources, grantsInPlay, grantTools, isGrantTool, readGrantResource } from "../../node/access/grants/tools.ts";
import { admitCall, callableTools } from "../../node/access/admission.ts";
import type { Caller } from "../../node/access/principals/caller.ts";
import type { Services } from "../../node/services.ts";
import { CALL_TOOL, callToolArgs, metaTools, SEARCH_TOOLS, searchToolsArgs } from "./meta-tools.ts";
import { searchIndex, type IndexedHit } from "../../node/discovery/search.ts";
import { withDeadline } from "../../node/discovery/deadline.ts";
import { takeFoundTools } from "../../node/discovery/found-tools.ts";
import { VERSION } from "../../node/settings/version.ts";
import { log } from "../../node/logging/log.ts";
import { interactiveToolCall, passedRequest, type SessionClient } from "./interaction.ts";
import { passingInput } from "../../node/interactive/passed-rounds.ts";
import { relayedInteractiveCall } from "./relayed-call.ts";
import { tracedToolCall } from "./traced-call.ts";
import { upstreamSpan } from "../../node/tracing/upstream-span.ts";
import { relayedClientInput } from "./relayed-input.ts";
import { legacySubscriber, streamSubscriber } from "../../node/upstreams/subscribe-resource.ts";
import { subscribeListedResource } from "../../node/relay/resource-lease-consumer.ts";
import { subscriptionError } from "./subscription-errors.ts";
import { readTrustResource, trustTemplates } from "./trust-resources.ts";
import { agentResources, agentTemplates, agentTools, callAgentTool, isAgentTool, readAgentResource } from "../../node/agents/tools.ts";
import { alertResources, mayReadAlerts, readAlertsResource } from "../../node/alerts/resource.ts";
import { requestedRoute } from "../../node/routes/kinds.ts";
import { budgetTools, callBudgetTool, isBudgetTool } from "../../node/budgets/tools.ts";
import { blackboardTools, callBlackboardTool, isBlackboardTool } from "./blackboard-tools.ts";

export const META = {
  id: "mcpfed/id",
  fingerprint: "mcpfed/fingerprint",
  upstream: "mcpfed/upstream",
  unavailable: "mcpfed/unavailable",
  origin: "mcpfed/origin",
  /** A peer's tool: the price its origin asks (null: free), which a call signs as it is when called. */
  pricing: "mcpfed/pricing",
  cacheTtlSeconds: "mcpfed/cacheTtlSeconds",
} as const;

function toMcpTool(t: CatalogTool): Tool {
  return {
    name: t.shortName,
    ...(t.title ? { title: t.title } : {}),
    // Clients (and the conformance suite) expect a description on every tool.
    description: t.description ?? t.title ?? `${t.name} (from upstream ${t.upstream})`,
    inputSchema: t.inputSchema as Tool["inputSchema"],
    ...(t.outputSchema ? { outputSchema: t.outputSchema as Tool["outputSchema"] } : {}),
    ...(t.annotations ? { annotations: t.annotations } : {}),
    _meta: {
      [META.id]: t.globalId,
      [META.fingerprint]: t.fingerprint,
      [META.upstream]: t.upstream,
      ...(t.available ? {} : { [META.unavailable]: true }),
    },
  };
}

function toMcpFederated(t: ListedFederatedTool): Tool {
  const d = t.definition;
  return {
    name: t.shortName,
    ...(d.title ? { title: d.title } : {}),
    description: d.description ?? d.title ?? `${d.name} (shared by ${t.alias})`,
    inputSchema: d.inputSchema as Tool["inputSchema"],
    ...(d.outputSchema ? { outputSchema: d.outputSchema as Tool["outputSchema"] } : {}),
    ...(d.annotations ? { annotations: d.annotations as Tool["annotations"] } : {}),
    _meta: {
      [META.id]: t.id,
      [META.fingerprint]: t.fingerprint,
      [META.origin]: t.origin,
      [META.pricing]: (t.pricing ?? null) as Record<string, unknown> | null,
      ...(t.cacheTtlSeconds ? { [META.cacheTtlSeconds]: t.cacheTtlSeconds } : {}),
    },
  };
}

/** Local and federated tools together: federated names are given around the local ones. */
async function catalogTools(s: Services, pinnedOnly: boolean) {
  const local = await visibleTools(s, pinnedOnly);
  // In search mode only pinned tools are listed, and no federated tool is pinned.
  const federated = pinnedOnly ? [] : await s.federatedTools.get();
  return { local, federated };
}

/** How long a search waits on the index (the lookup, then the origins' entries): past it, the answer goes without what is late. Above one round's per-node deadline (3 s), so a slow owner still counts. */
const INDEX_SEARCH_MS = 5000;

/**
 * The index's hits for a query, with the entries of their tools taken from their origins: a hit
 * this caller may call is `available`, under its name here, as a peer's tool would be. Bounded
 * in time, and never the search's failure: a lookup that fails or is late finds nothing; origins
 * that answer late leave their hits not available.
 */
async function indexedHits(s: Services, caller: Caller, query: string, limit: number) {
  const started = Date.now();
  let hits: IndexedHit[];
  try {
    hits = await withDeadline(searchIndex(s.discovery, s.nodeId, query, limit), INDEX_SEARCH_MS);
  } catch (err) {
    log.warn("search.index_unavailable", { error: err instanceof Error ? err.message : String(err) });
    return [];
  }
  if (hits.length === 0) return hits;
  try {
    await withDeadline(takeFoundTools(s, hits), Math.max(0, INDEX_SEARCH_MS - (Date.now() - started)));
  } catch (err) {
    log.warn("search.found_tools_unavailable", { error: err instanceof Error ? err.message : String(err) });
  }
  const callable = new Map((await callableTools(s, caller, await s.federatedTools.get())).map((t) => [t.id, t]));
  return hits.map((h) => {
    const tool = callable.get(h.id);
    return tool?.fingerprint === h.fingerprint ? { ...h, name: tool.shortName, available: true, inputSchema: tool.definition.inputSchema } : h;
  });
}

function parseArgs<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, v: unknown): T {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `invalid arguments: ${r.error.message}`);
  return r.data;
}

/**
 * Lets MCP errors through and turns anything else into a bare internal error: an exception's
 * message (a failed query, a stack) is for the log, not for the client.
 */
function hideInternalErrors<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      log.error("mcp.request_failed", { error: err instanceof Error ? err.name : "unknown", message: err instanceof Error ? err.message : String(err) });
      throw new ProtocolError(ProtocolErrorCode.InternalError, "internal error");
    }
  };
}

export function buildServer(s: Services, caller: Caller, session?: SessionClient): Server {
  const server = new Server(
    { name: s.config.nodeName, version: VERSION, title: `${s.config.nodeName} (mcpfed node)` },
    {
      // list_changed travels on GET /mcp streams, which not every platform serves.
      capabilities: {
        ...(s.platform.standingStreams
          ? { tools: { listChanged: true }, resources: { listChanged: true, subscribe: true }, prompts: { listChanged: true } }
          : { tools: {}, resources: {}, prompts: {} }),
        completions: {},
        // A peer's upstream's log messages reach the client (src/http/mcp/relayed-call.ts).
        logging: {},
      },
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
      instructions:
        s.config.catalogMode === "search"
          ? "This node federates many tools. Use search_tools to find one, then call it by name or through call_tool."
          : "This node federates the tools of several MCP servers. search_tools finds tools by topic.",
    },
  );

  server.setNotificationHandler("notifications/cancelled", (n) => {
    if (n.params.requestId !== undefined) s.inflight.cancel(caller.id, n.params.requestId, n.params.reason);
  });

  server.setRequestHandler("tools/list", hideInternalErrors(async () => {
    const { local, federated } = await catalogTools(s, s.config.catalogMode === "search");
    const [shown, shared] = await Promise.all([callableTools(s, caller, local), callableTools(s, caller, federated)]);
    const [grants, perPrincipal, budgets, boards] = await Promise.all([grantsInPlay(s, caller), perPrincipalUpstreamsExist(s), s.budgets.inPlay(), s.blackboard.board.store.holdsAny()]);
    // Budget and blackboard tools are listed once this node holds one, as grant tools are once grants are in play.
    const own = [...metaTools, ...agentTools, ...(budgets ? budgetTools : []), ...(boards ? blackboardTools : []), ...(grants ? grantTools : []), ...(perPrincipal ? [upstreamCredentialTool] : [])];
    // The upstreams' tools first: a client that takes the first tool should get an upstream's, not search_tools.
    return { tools: [...shown.map(toMcpTool), ...shared.map(toMcpFederated), ...own] };
  }));

  server.setRequestHandler("tools/call", hideInternalErrors(tracedToolCall(s, caller, async (req, ctx, span): Promise<CallToolResult> => {
    const { name } = req.params;
    if (isGrantTool(name)) return callGrantTool(s, caller, name, req.params.arguments);
    if (isAgentTool(name)) return callAgentTool(s, caller, name, req.params.arguments);
    if (name === UPSTREAM_CREDENTIAL) return callUpstreamCredentialTool(s, caller, req.params.arguments);
    if (isBudgetTool(name)) return callBudgetTool(s, caller, name, req.params.arguments);
    if (isBlackboardTool(name)) return callBlackboardTool(s, caller, name, req.params.arguments, req.params._meta, ctx.mcpReq.signal);
    if (name === SEARCH_TOOLS) {
      const args = parseArgs(searchToolsArgs, req.params.arguments);
      const found = await searchLocalTools(s, args.query, args.limit);
      const callable = new Set(await callableTools(s, caller, found.map((h) => h.tool)));
      const hits = found.filter((h) => callable.has(h.tool));
      const results = hits.map(({ tool, score }) => ({
        name: tool.shortName,
        id: tool.globalId,
        fingerprint: tool.fingerprint,
        ...(tool.description ? { description: tool.description } : {}),
        upstream: tool.upstream,
        origin: s.nodeId,
        available: tool.available,
        score: Math.round(score * 1000) / 1000,
        inputSchema: tool.inputSchema,
      }));
      // Peers' tools after the local ones: the two rankings are not on one scale.
      if (results.length < args.limit) {
        // Peers' tools only: listing the local catalog here would read every tool for nothing.
        const matched = matchFederated(await callableTools(s, caller, await s.federatedTools.get()), args.query).slice(0, args.limit - results.length);
        for (const { tool, score } of matched) {
          results.push({
            name: tool.shortName,
            id: tool.id,
            fingerprint: tool.fingerprint,
            ...(tool.definition.description ? { description: tool.definition.description } : {}),
            upstream: tool.upstream,
            origin: tool.origin,
            available: true,
            score,
            inputSchema: tool.definition.inputSchema,
          });
        }
      }
      // Nothing known here matches: the structured index, in a federation large enough for it.
      const answered = results.length > 0 ? results : await indexedHits(s, caller, args.query, args.limit);
      return { content: [{ type: "text", text: JSON.stringify({ results: answered }) }], structuredContent: { results: answered } };
    }
    let target = name;
    // A call without arguments reaches the upstream with none ({}), which every server takes.
    let args = req.params.arguments ?? {};
    if (name === CALL_TOOL) {
      const parsed = parseArgs(callToolArgs, req.params.arguments);
      target = parsed.id;
      args = parsed.arguments ?? {};
    }
    // A route only matters for a peer's tool, but a value no node knows is refused whatever the tool.
    const route = requestedRoute(req.params._meta);
    const found = await s.callables.find(name === CALL_TOOL && target.includes("/") ? { globalId: target } : { shortName: target });
    const progressToken = req.params._meta?.progressToken;
    const onprogress =
      progressToken === undefined
        ? undefined
        : (p: Progress) => void ctx.mcpReq.notify({ method: "notifications/progress", params: { ...p, progressToken } }).catch(() => {});
    const call = { arguments: args, calledAs: target, requestId: ctx.mcpReq.id, signal: ctx.mcpReq.signal, onprogress };
    if (!found) {
      // Only a tool this caller may see is relayed; any other stays unknown. The local listing is not needed here.
      const callable = await callableTools(s, caller, await s.federatedTools.get());
      const shared = callable.find((t) => (name === CALL_TOOL ? t.id === target : t.shortName === target));
      if (shared) {
        span?.set({ "mcpfed.tool": shared.globalId, "mcpfed.route": "peer" });
        const admitted = await admitCall(s, caller, shared, req.params._meta);
        return (await relayedInteractiveCall(s, caller, session, ctx, { ...call, tool: shared, catalog: callable, authorization: admitted.reason, route, span }).finally(() =>
          caller.defer(admitted.release()),
        )) as CallToolResult;
      }
      const far = name === CALL_TOOL ? await unreachableRefusal(s, caller, target) : undefined;
      s.invocations.append(
        { at: Date.now(), caller: caller.id, toolName: target, durationMs: 0, outcome: far ? "unavailable" : "unknown_tool", error: far ? far.message : "unknown tool" },
        caller.defer,
      );
      throw far ?? unknownTool(target);
    }
    span?.set({ "mcpfed.tool": found.globalId, "mcpfed.route": "local" });
    const admitted = await admitCall(s, caller, found, req.params._meta);
    return (await interactiveToolCall(s, caller, session, req.params, ctx, found, (interaction, signal, clientInput) =>
      upstreamSpan(s.tracer, span, found.upstream, () => proxyToolCall(s, caller, { ...call, ...(signal ? { signal } : {}), interaction, clientInput, tool: found, authorization: admitted.reason })),
    ).finally(() => caller.defer(admitted.release()))) as CallToolResult;
  })));

  server.setRequestHandler("resources/list", hideInternalErrors(async () => {
    const rows = await resources(s);
    const own = (await grantsInPlay(s, caller)) ? grantResources : [];
    const peers = await peerListings(s, caller);
    return { resources: [...own, ...rows.map((r) => r.resources.body as { uri: string; name: string }), ...peers.resources, ...agentResources, ...(mayReadAlerts(caller.principal) ? alertResources : [])] };
  }));

  // Updates travel on the caller's GET /mcp streams, which only a standing-stream platform keeps.
  if (s.platform.standingStreams) {
    server.setRequestHandler("resources/subscribe", hideInternalErrors(async (req) => {
      try {
        await subscribeListedResource(s, caller, streamSubscriber(s.streams, caller.id), req.params.uri);
      } catch (err) {
        throw subscriptionError(err);
      }
      return {};
    }));
    server.setRequestHandler("resources/unsubscribe", hideInternalErrors(async (req) => {
      s.subscriptions.remove(legacySubscriber(caller.id), req.params.uri);
      return {};
    }));
  }

  server.setRequestHandler("resources/templates/list", hideInternalErrors(async () => {
    const rows = await resourceTemplates(s);
    const peers = await peerListings(s, caller);
    return { resourceTemplates: [...rows.map((r) => r.body as { uriTemplate: string; name: string }), ...peers.resourceTemplates, ...trustTemplates, ...agentTemplates] };
  }));

  server.setRequestHandler("resources/read", hideInternalErrors(async (req, ctx) => {
    const { uri } = req.params;
    const own = (await readGrantResource(s, caller, uri)) ?? (await readTrustResource(s, uri)) ?? (await readAgentResource(s, caller, uri)) ?? (await readAlertsResource(s.db, caller.principal, uri));
    if (own) return own;
    const row = await resourceUpstream(s, uri);
    if (!row) {
      const shared = await readPeerResource(s, caller, uri, ctx.mcpReq.signal, req.params._meta, relayedClientInput(ctx));
      if (shared) return shared as ReadResourceResult;
      throw new ResourceNotFoundError(uri, `Resource not found: ${uri}`);
    }
    const reach = await reachFor(s, caller, row);
    const options = { signal: ctx.mcpReq.signal, timeout: s.config.callTimeoutMs };
    try {
      return liveSecrets.redactJson(
        await passedRequest(s, caller, req.params, ctx, row.name, (input) =>
          s.pool.use(
            reach.target,
            (c) => passingInput(c, input, { method: "resources/read", params: { uri } }, options, () => c.readResource({ uri }, { ...options, cacheMode: "bypass" })),
            reach.owner,
          ),
        ),
      ) as ReadResourceResult;
    } catch (err) {
      throw upstreamFailure(row.name, err, ctx.mcpReq.signal).error;
    }
  }));

  server.setRequestHandler("prompts/list", hideInternalErrors(async () => {
    const rows = await prompts(s);
    const peers = await peerListings(s, caller);
    return { prompts: [...rows.map((p) => ({ ...(p.body as { name: string }), name: p.shortName })), ...peers.prompts] };
  }));

  server.setRequestHandler("prompts/get", hideInternalErrors(async (req, ctx) => {
    const found = await promptWithUpstream(s, req.params.name);
    if (!found) {
      const shared = await getPeerPrompt(s, caller, req.params.name, req.params.arguments, ctx.mcpReq.signal, req.params._meta, relayedClientInput(ctx));
      if (shared) return shared as GetPromptResult;
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${req.params.name}`);
    }
    const { prompt, upstream: row } = found;
    const reach = await reachFor(s, caller, row);
    const params = { name: prompt.name, ...(req.params.arguments ? { arguments: req.params.arguments } : {}) };
    const options = { signal: ctx.mcpReq.signal, timeout: s.config.callTimeoutMs };
    try {
      return liveSecrets.redactJson(
        await passedRequest(s, caller, req.params, ctx, row.name, (input) =>
          s.pool.use(reach.target, (c) => passingInput(c, input, { method: "prompts/get", params }, options, () => c.getPrompt(params, options)), reach.owner),
        ),
      ) as GetPromptResult;
    } catch (err) {
      throw upstreamFailure(row.name, err, ctx.mcpReq.signal).error;
    }
  }));

  server.setRequestHandler(
    "completion/complete",
    hideInternalErrors(async (req, ctx) => (await completePeerArgument(s, caller, req.params)) ?? completeArgument(s, caller, req.params, ctx.mcpReq.signal)),
  );

  return server;
}
