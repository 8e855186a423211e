// Which protocol era a tool's upstream speaks, as this caller's session to it negotiated: a
// 2026-07-28 upstream's questions pass through statelessly, an old-era one's need a held call.
import type { Callable } from "../../store/catalog.ts";
import type { Caller } from "../access/principals/caller.ts";
import { reachFor } from "../upstreams/per-principal.ts";
import type { ProxyPorts } from "./proxy.ts";

export async function toolUpstreamSpeaksModern(s: Pick<ProxyPorts, "pool" | keyof Parameters<typeof reachFor>[0]>, caller: Caller, tool: Callable): Promise<boolean> {
  try {
    const reach = await reachFor(s, caller, { ...tool, name: tool.upstream });
    return (await s.pool.use(reach.target, async (client) => client.getProtocolEra(), reach.owner)) === "modern";
  } catch {
    // Unreachable, or no credential of the caller's: the call itself fails with the reason, and is logged.
    return false;
  }
}
