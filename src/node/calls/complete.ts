// completion/complete passed to the upstream that serves the prompt or resource template named:
// a prompt under the name the catalog gives it goes out under the upstream's own name.
import { ProtocolError, ProtocolErrorCode, type CompleteRequest, type CompleteResult } from "@modelcontextprotocol/server";
import type { Caller } from "../access/principals/caller.ts";
import { promptWithUpstream, templateUpstream } from "../catalog/local.ts";
import type { Database } from "../../store/database.ts";
import type { Config } from "../settings/config.ts";
import type { UpstreamPool } from "../upstreams/pool.ts";
import { reachFor, type ReachPorts } from "../upstreams/per-principal.ts";
import { liveSecrets } from "../../secrets/redactor.ts";
import { upstreamFailure } from "./errors.ts";

export interface CompletePorts extends ReachPorts {
  db: Database;
  nodeId: string;
  config: ReachPorts["config"] & Pick<Config, "callTimeoutMs">;
  pool: Pick<UpstreamPool, "use">;
}

export async function completeArgument(s: CompletePorts, caller: Caller, params: CompleteRequest["params"], signal: AbortSignal): Promise<CompleteResult> {
  const { ref } = params;
  let upstream;
  let upstreamRef: CompleteRequest["params"]["ref"];
  if (ref.type === "ref/prompt") {
    const found = await promptWithUpstream(s, ref.name);
    if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
    upstream = found.upstream;
    upstreamRef = { type: "ref/prompt", name: found.prompt.name };
  } else {
    upstream = await templateUpstream(s, ref.uri);
    if (!upstream) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown resource template: ${ref.uri}`);
    upstreamRef = ref;
  }
  const reach = await reachFor(s, caller, upstream);
  const row = upstream;
  try {
    const result = await s.pool.use(
      reach.target,
      (c) => c.complete({ ...params, ref: upstreamRef }, { signal, timeout: s.config.callTimeoutMs }),
      reach.owner,
    );
    return liveSecrets.redactJson(result);
  } catch (err) {
    throw upstreamFailure(row.name, err, signal).error;
  }
}
