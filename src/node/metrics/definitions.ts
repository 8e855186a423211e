// Every metric the node records: its exposition name, kind, help text and the labels it may carry.
// A metric's label names are fixed here; their values are bounded by the recorder (length) and by
// the store (distinct label sets per minute), so no caller can grow the series without bound.

export interface MetricDefinition<L extends string = string> {
  name: string;
  kind: "counter" | "histogram";
  help: string;
  labels: readonly L[];
}

function counter<L extends string>(name: string, help: string, labels: readonly L[]): MetricDefinition<L> {
  return { name, kind: "counter", help, labels };
}

function histogram<L extends string>(name: string, help: string, labels: readonly L[]): MetricDefinition<L> {
  return { name, kind: "histogram", help, labels };
}

/**
 * Upper bounds of the histogram buckets, in milliseconds; observations above the last fall in +Inf.
 * One stored column each (src/store/schema/metrics.ts): changing them needs a migration.
 */
export const HISTOGRAM_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

export const METRICS = {
  calls: counter("mcpfed_calls_total", "tools/call requests finished, by tool, providing peer (empty when local) and outcome.", ["tool", "peer", "outcome"]),
  callDuration: histogram("mcpfed_call_duration_seconds", "How long a tools/call took, by tool and providing peer.", ["tool", "peer"]),
  relayHops: counter("mcpfed_relay_hops_total", "Federated hops this node took part in, by its role (consumer, provider) and the outcome.", ["role", "outcome"]),
  envelopeRefusals: counter("mcpfed_envelope_refusals_total", "Federation envelopes refused when opened, by error code.", ["code"]),
  channelRefusals: counter("mcpfed_channel_refusals_total", "Peer channel frames or handshakes refused, by error code.", ["code"]),
  federationRefusals: counter("mcpfed_federation_refusals_total", "Federation traffic turned away before its work (rates, hello policy), by reason.", ["reason"]),
  gossipEntries: counter("mcpfed_gossip_entries_total", "Registry entries sent to (out) or received from (in) peers by gossip.", ["direction"]),
  gossipRejections: counter("mcpfed_gossip_rejections_total", "Registry entries received and not admitted, by reason.", ["reason"]),
  gossipLag: histogram("mcpfed_gossip_lag_seconds", "Age of a registry entry when this node admitted it from a peer.", []),
  ledgerRecords: counter("mcpfed_ledger_records_total", "Ledger records stored or changed, by the status they reached.", ["status"]),
  ledgerDisputes: counter("mcpfed_ledger_disputes_total", "Ledger records flagged as disputed.", []),
  authFailures: counter("mcpfed_auth_failures_total", "Requests refused for their credentials, by kind (mcp_token, admin_token).", ["kind"]),
  rateLimitHits: counter("mcpfed_rate_limit_hits_total", "Calls refused by a rate or concurrency limit, by tool.", ["tool"]),
  upstreamRefreshes: counter("mcpfed_upstream_refreshes_total", "Upstream catalog refreshes, by upstream and outcome (ok, failed): the upstreams' health.", ["upstream", "outcome"]),
  onionCover: counter("mcpfed_onion_cover_total", "Onion cover packets (protocol §14.10): sent by this node, answered back to it, lost on the way, or dropped here as their last hop.", ["event"]),
} as const;

export type Metrics = typeof METRICS;
export type LabelsOf<M> = M extends MetricDefinition<infer L> ? Record<L, string> : never;

export const ALL_METRICS: readonly MetricDefinition[] = Object.values(METRICS);
