// A 2026-07-28 upstream's input_required, passed to a 2026-07-28 client as the upstream gave it
// (multi round-trip requests, SEP-2322): its questions keep their keys and contents, and its own
// requestState travels inside this node's state, sealed to the caller, the request and the
// upstream. The retry is checked, unsealed and forwarded to that upstream with the client's
// answers. Nothing is held between rounds, so any process or isolate serves the retry.
import { CLIENT_CAPABILITIES_META_KEY, withInputRequired, type Client, type RequestOptions } from "@modelcontextprotocol/client";
import { z } from "zod";
import type { InteractiveCapabilities } from "./input-requests.ts";
import { MAX_UPSTREAM_STATE, RequestStateError, type BoundRequest, type PassedClaims, type RequestStateSeal } from "./request-state.ts";

/** What a 2026-07-28 client's request carries for the upstream. */
export interface ClientInput {
  /** What the client declared it can answer: the upstream asks only that. */
  capabilities: InteractiveCapabilities;
  inputResponses?: Record<string, unknown> | undefined;
  /** The upstream's own state, unsealed from this node's. */
  upstreamState?: string | undefined;
}

/** An upstream's input_required as the SDK client hands it back: at least questions or a state. */
export interface PassedInputRequired {
  resultType: "input_required";
  inputRequests?: Record<string, unknown>;
  requestState?: string;
  [key: string]: unknown;
}

/** The upstream gave a state too long to carry inside this node's own (and across the relay). */
export class UpstreamStateError extends Error {
  override name = "UpstreamStateError";
  constructor() {
    super(`the upstream's requestState is longer than the ${MAX_UPSTREAM_STATE} characters this node carries`);
  }
}

export function isPassedInputRequired(value: unknown): value is PassedInputRequired {
  return typeof value === "object" && value !== null && (value as { resultType?: unknown }).resultType === "input_required";
}

// The result goes back through this node's own MCP server, which validates it.
const anyResult = withInputRequired(z.looseObject({}));

/** How a request goes to the upstream: `client.request` unless the method has a call of its own. */
export type Send = (request: { method: string; params: Record<string, unknown> }, options: RequestOptions) => Promise<Record<string, unknown>>;

/**
 * Sends one request to a 2026-07-28 upstream with the client's capabilities in the envelope and its
 * retry fields in the params, and hands back an input_required answer instead of fulfilling it.
 */
export function requestWithClientInput(
  client: Client,
  request: { method: string; params: Record<string, unknown> },
  input: ClientInput,
  options: RequestOptions,
  send: Send = (r, o) => client.request(r, anyResult, o),
): Promise<Record<string, unknown>> {
  const { _meta, ...params } = request.params;
  return send(
    {
      method: request.method,
      params: {
        ...params,
        ...(input.inputResponses ? { inputResponses: input.inputResponses } : {}),
        ...(input.upstreamState ? { requestState: input.upstreamState } : {}),
        // The envelope's own key wins over the one the SDK attaches for this node's session.
        _meta: { ...(_meta as Record<string, unknown> | undefined), [CLIENT_CAPABILITIES_META_KEY]: input.capabilities },
      },
    },
    { ...options, allowInputRequired: true },
  );
}

/** With a 2026-07-28 client's input on a 2026-07-28 session: the request passing it on; otherwise `plain`. */
export function passingInput<T>(
  client: Client,
  input: ClientInput | undefined,
  request: { method: string; params: Record<string, unknown> },
  options: RequestOptions,
  plain: () => Promise<T>,
  send?: Send,
): Promise<T | Record<string, unknown>> {
  return input && client.getProtocolEra() === "modern" ? requestWithClientInput(client, request, input, options, send) : plain();
}

/**
 * One round of a request to a 2026-07-28 upstream. `claims` are those of the client's state, opened
 * already (none on a first try); `run` calls the upstream with the client's input.
 */
export async function passedRound<R extends object>(
  seal: RequestStateSeal,
  bound: BoundRequest,
  upstream: string,
  claims: PassedClaims | undefined,
  input: Omit<ClientInput, "upstreamState">,
  run: (input: ClientInput) => Promise<R | PassedInputRequired>,
): Promise<R | PassedInputRequired> {
  // A state issued for another upstream (the tool now served by another) does not go on there.
  if (claims && claims.upstream !== upstream) throw new RequestStateError("bind");
  const out = await run({ ...input, ...(claims?.upstreamState ? { upstreamState: claims.upstreamState } : {}) });
  if (!isPassedInputRequired(out)) return out;
  const upstreamState = out.requestState;
  if (upstreamState !== undefined && (typeof upstreamState !== "string" || upstreamState.length > MAX_UPSTREAM_STATE)) throw new UpstreamStateError();
  const sealed: PassedClaims = { upstream, ...(upstreamState ? { upstreamState } : {}) };
  return { ...out, requestState: await seal.seal(sealed, bound) };
}
