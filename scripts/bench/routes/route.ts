// One route the routes benchmark measures (scripts/bench/routes.ts): how a call asks for it, and
// which nodes stand between the consumer and the provider (their CPU per call is reported).
import type { NodeProc } from "../../../test/support/processes.ts";

/** The line every route is measured on: consumer A, provider C, and whatever nodes a route adds. */
export interface RouteNodes {
  a: NodeProc;
  c: NodeProc;
  /** Nodes a route set up for itself, by name. */
  extra: Record<string, NodeProc>;
}

export interface BenchRoute {
  name: string;
  /** Starts and peers what the route needs beyond A and C (both running, A and C peered). */
  prepare(nodes: RouteNodes, start: (name: string, env?: Record<string, string>) => Promise<NodeProc>): Promise<void>;
  /** `_meta` of the tools/call that takes the route. */
  meta: Record<string, unknown>;
  /** The nodes between A and C on this route, whose CPU per call is reported. */
  hops(nodes: RouteNodes): NodeProc[];
  /** The node A sends the call to: its bytes on A's side are the route's first wire hop (several: whichever A picked). */
  firstHop(nodes: RouteNodes): NodeProc | NodeProc[];
}
