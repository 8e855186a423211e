// Short MCP names: `[A-Za-z0-9_-]{1,64}`, unique in the catalog, and persisted so that they
// survive restarts. The long-lived identity is the global id; the short name is its handle.
import { sha256Hex } from "../protocol/encoding/hash.ts";

export const MAX_NAME = 64;
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Names the node itself serves; no upstream tool may take them. */
export const RESERVED_NAMES = new Set([
  "search_tools",
  "call_tool",
  // The agent and intent tools (src/node/agents/tools.ts).
  "agent_register",
  "agent_heartbeat",
  "agent_deregister",
  "agent_discover",
  "intent_declare",
  "intent_withdraw",
  "intent_offer",
  "intent_accept",
]);

/** The node id stands in for the identity issue's real id until that lands. */
export function globalToolId(nodeId: string, upstream: string, tool: string): string {
  return `${nodeId}/${upstream}/${tool}`;
}

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, "_");
}

/** The name a tool asks for: `prefix_tool`, or `tool` under an empty prefix. May be taken. */
export function preferredName(prefix: string, tool: string): string {
  const base = sanitize(prefix === "" ? tool : `${prefix}_${tool}`).slice(0, MAX_NAME);
  return base.length > 0 ? base : "tool";
}

/**
 * The preferred name if it is free, otherwise the preferred name cut short with a suffix
 * derived from the global id, so the same tool always lands on the same fallback.
 */
export async function assignName(
  globalId: string,
  preferred: string,
  taken: (name: string) => boolean,
): Promise<string> {
  if (!taken(preferred) && !RESERVED_NAMES.has(preferred)) return preferred;
  const hash = await sha256Hex(globalId);
  for (let len = 8; len <= hash.length; len += 4) {
    const suffix = `_${hash.slice(0, len)}`;
    const candidate = preferred.slice(0, MAX_NAME - suffix.length) + suffix;
    if (!taken(candidate)) return candidate;
  }
  throw new Error(`no free name for ${globalId}`);
}
