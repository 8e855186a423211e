// The provider's side of a relayed completion/complete: the item must be one this node shares now,
// unchanged, the peer not in quarantine and within its trust tier's rate and quota, and its
// policy must admit the peer; then the upstream is asked as for a local client. Completion is
// advisory and free: no intent, no receipt, no record, no credit (docs/protocol.md).
import { ProtocolError } from "@modelcontextprotocol/server";
import { admitCall } from "../access/admission.ts";
import { upstreamFailure } from "../calls/errors.ts";
import { reachFor } from "../upstreams/per-principal.ts";
import { liveSecrets } from "../../secrets/redactor.ts";
import type { CallError } from "../../protocol/messages/relay.ts";
import { MAX_COMPLETION_VALUES, type CompleteReply, type CompleteRequest } from "../../protocol/messages/relay-complete.ts";
import { getUpstream } from "../../store/upstreams.ts";
import { callErrorOf, refusal as refuse } from "../calls/refusals.ts";
import { sharedItemNow, type ItemProviderPort } from "./item-provider.ts";
import { peerCaller, type ServeOptions } from "./provider.ts";
import { tierRefusal } from "./tier-refusal.ts";

/** A value longer than the wire allows is left out rather than failing the whole answer. */
const MAX_VALUE_LENGTH = 2048;

export async function serveComplete(s: ItemProviderPort, from: string, request: CompleteRequest, o: Pick<ServeOptions, "signal" | "defer">): Promise<CompleteReply> {
  try {
    return await run(s, from, request, o);
  } catch (err) {
    if (err instanceof ProtocolError) return { ok: false, error: callErrorOf(err) };
    throw err;
  }
}

async function run(s: ItemProviderPort, from: string, request: CompleteRequest, o: Pick<ServeOptions, "signal" | "defer">): Promise<CompleteReply> {
  const failed = (error: CallError): CompleteReply => ({ ok: false, error });
  if (await s.quarantine.has(from)) return failed(refuse("quarantined", "this node holds the caller in quarantine"));
  const shared = await sharedItemNow(s, request.kind, request.key, refuse("not_shared", `${request.key} is not shared by this node`));
  if ("error" in shared) return failed(shared.error);
  const row = await getUpstream(s.db, shared.upstream);
  if (!row) return failed(refuse("not_shared", `${request.key} is shared but its upstream is gone`));
  const over = await tierRefusal(s, from, undefined);
  if (over) return failed(over);
  const caller = await peerCaller(s, from, request.relayedFor, o.defer);
  const globalId = `${s.nodeId}/${request.key}`;
  const admitted = await admitCall(s, caller, { globalId, shortName: shared.name, upstream: shared.upstream, tags: [], pinned: false, visibility: shared.visibility }, undefined);
  const ref = request.kind === "prompt" ? { type: "ref/prompt" as const, name: shared.name } : { type: "ref/resource" as const, uri: shared.name };
  try {
    const reach = await reachFor(s, caller, row);
    const { completion } = liveSecrets.redactJson(
      await s.pool.use(
        reach.target,
        (c) => c.complete({ ref, argument: request.argument, ...(request.context ? { context: request.context } : {}) }, { signal: o.signal, timeout: s.config.callTimeoutMs }),
        reach.owner,
      ),
    );
    const fitting = completion.values.filter((v) => v.length <= MAX_VALUE_LENGTH);
    const values = fitting.slice(0, MAX_COMPLETION_VALUES);
    const hasMore = completion.hasMore === true || values.length < completion.values.length;
    const total = completion.total === undefined ? undefined : Math.max(0, Math.floor(completion.total));
    return { ok: true, completion: { values, ...(total === undefined ? {} : { total }), ...(hasMore ? { hasMore } : completion.hasMore === false ? { hasMore: false } : {}) } };
  } catch (err) {
    // The node's own typed errors (a caller without a credential of its own) go as they are.
    if (err instanceof ProtocolError && err.data && typeof err.data === "object" && "type" in err.data) throw err;
    throw upstreamFailure(shared.upstream, err, o.signal).error;
  } finally {
    caller.defer(admitted.release());
  }
}
