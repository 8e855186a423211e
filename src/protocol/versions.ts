// The protocol's versions and optional features, and how two nodes agree on them.

/** Versions this node speaks, oldest first. Each names the whole wire format. */
export const PROTOCOL_VERSIONS = ["mcpfed/1"] as const;

/** Optional features this node offers. Hello is not one: every version has it. */
export const FEATURES = ["ping", "relay-interaction", "relay-passed-input", "ledger-checkpoints", "channel", "channel-first", "channel-lane-answers", "privacy-pass", "index-agents", "trace-context", "index-xor"] as const;

export class NegotiationError extends Error {
  override name = "NegotiationError";
}

/** The highest version in both lists, by our order (oldest first); throws when there is none. */
export function negotiateVersion(ours: readonly string[], theirs: readonly string[]): string {
  const common = ours.filter((v) => theirs.includes(v));
  if (common.length === 0) {
    throw new NegotiationError(`no protocol version in common: this node speaks ${ours.join(", ")}; the peer speaks ${theirs.join(", ") || "none"}`);
  }
  return common[common.length - 1]!;
}

export function commonFeatures(ours: readonly string[], theirs: readonly string[]): string[] {
  return ours.filter((f) => theirs.includes(f));
}
