// The inputSchema a tools/call is judged by: that of the tool the caller may call under the name,
// local or a peer's, as tools/list shows it to that caller. None for the node's own tools, for a
// name the caller may not call, or for call_tool (its own schema declares no headers).
import type { Caller } from "../access/principals/caller.ts";
import { callableTools, type ListingPorts } from "../access/admission.ts";
import type { CachedRead } from "../../store/cached-read.ts";
import { RESERVED_NAMES } from "../../store/catalog-names.ts";
import type { ListedFederatedTool } from "./federated-view.ts";
import type { CallableTools } from "./callable-tools.ts";

export interface CallSchemaPorts extends ListingPorts {
  callables: Pick<CallableTools, "find">;
  federatedTools: Pick<CachedRead<ListedFederatedTool[]>, "get">;
}

export async function callInputSchema(s: CallSchemaPorts, caller: Caller, name: string): Promise<unknown> {
  // No tool, local or a peer's, is listed under these: the lookups below would find nothing, and
  // a name that finds nothing is not kept, so search_tools would read the store on every call.
  if (RESERVED_NAMES.has(name)) return undefined;
  const local = await s.callables.find({ shortName: name });
  if (local) return (await callableTools(s, caller, [local]))[0]?.inputSchema;
  const shared = (await s.federatedTools.get()).filter((t) => t.shortName === name);
  return (await callableTools(s, caller, shared))[0]?.definition.inputSchema;
}
