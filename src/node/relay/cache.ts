// Results of peers' tools that their origin marked cacheable (read-only and idempotent, with a
// TTL in the signed registry entry). An identical call, with the same tool, fingerprint and
// arguments, within the TTL is answered from here. Nothing else is ever stored: a tool without
// the mark is always relayed. Bounded in entries, the oldest evicted first.
import type { CallToolResult } from "@modelcontextprotocol/server";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";

const MAX_ENTRIES = 1000;

export class ResultCache {
  readonly #entries = new Map<string, { result: CallToolResult; until: number }>();

  static key(toolId: string, fingerprint: string, args: Record<string, unknown> | undefined): string {
    return `${toolId}\u0000${fingerprint}\u0000${canonicalJson(args ?? {})}`;
  }

  get(key: string, now = Date.now()): CallToolResult | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    if (hit.until <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return hit.result;
  }

  /** A tool error is an answer about this moment, not a result to repeat: it is not kept. */
  put(key: string, result: CallToolResult, ttlSeconds: number, now = Date.now()): void {
    if (result.isError) return;
    this.#entries.delete(key);
    this.#entries.set(key, { result, until: now + ttlSeconds * 1000 });
    while (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
