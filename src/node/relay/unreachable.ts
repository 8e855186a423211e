// A call by id to a peer's tool that this node knows of but cannot reach: no provider allowed
// for it is a direct peer, nor reachable through a forwarder. It gets a refusal that says so, rather than "unknown tool", but only
// for a caller the policy lets see that tool.
import { callableTools, type ListingPorts } from "../access/admission.ts";
import type { Caller } from "../access/principals/caller.ts";
import { unreachableFederatedTool } from "../catalog/federated-view.ts";
import type { Database } from "../../store/database.ts";
import { RelayError } from "./errors.ts";

export async function unreachableRefusal(s: ListingPorts & { db: Database; nodeId: string }, caller: Caller, id: string): Promise<RelayError | undefined> {
  const tool = await unreachableFederatedTool(s, id);
  if (!tool || (await callableTools(s, caller, [tool])).length === 0) return undefined;
  const message = `${id} is shared by ${tool.alias}, which this node cannot reach: no provider allowed for this tool is a direct peer, and no peer of this node offers to forward to one whose card it holds`;
  return new RelayError({ kind: "unreachable", message, origin: tool.origin });
}
