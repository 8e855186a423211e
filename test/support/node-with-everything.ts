// The setup most end-to-end tests start from: a node fronting server-everything, registered
// there as the upstream "everything" (tools everything_echo, everything_get-sum, ...).
import { startEverything, startNode, type NodeOptions, type NodeProc, type Upstream } from "./processes.ts";

export interface NodeWithEverything {
  node: NodeProc;
  everything: Upstream;
}

/** Starts server-everything beside a node that is starting, then registers it on the node; `upstream`
 * adds to the registration (e.g. a bearer token). Fails unless the first refresh imported the catalog. */
export async function withEverything(starting: Promise<NodeProc>, upstream: Record<string, unknown> = {}): Promise<NodeWithEverything> {
  const [everything, node] = await Promise.all([startEverything(), starting]);
  const res = await node.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url, ...upstream });
  const text = await res.text();
  if (res.status !== 201 || !(JSON.parse(text) as { refresh: { ok: boolean } }).refresh.ok) {
    throw new Error(`registering server-everything: HTTP ${res.status}: ${text}`);
  }
  return { node, everything };
}

/** A node under Node (startNode's options) with server-everything registered. */
export function startNodeWithEverything(opts: NodeOptions = {}, upstream: Record<string, unknown> = {}): Promise<NodeWithEverything> {
  return withEverything(startNode(opts), upstream);
}
