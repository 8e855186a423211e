// Tool definitions pinned per upstream (docs/security.md, "Definition pins"). A refresh shows each
// listed tool to `screen`, which lets through only the tools whose definition a pin accepts: a tool
// seen for the first time is pinned as it is (trust on first use) unless its upstream is strict; a
// tool whose description, schemas or annotations moved is held back and a change is recorded for
// the operator, who approves (the new definition is pinned) or rejects it (it stays hidden).
import type { Tool } from "@modelcontextprotocol/server";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../protocol/encoding/hash.ts";
import { toolFingerprint } from "../../protocol/registry/tool-fingerprint.ts";
import type { Database } from "../../store/database.ts";
import {
  changesOf,
  completePin,
  insertPins,
  isStrict,
  pinsOf,
  recordChange,
  reopenChange,
  replacePins,
  setStrict,
  type NewPin,
  type PinnedDefinition,
} from "../../store/definition-pins.ts";
import { log } from "../logging/log.ts";

/** Told when a tool is held back for the operator: the one port alerts subscribe to. */
export interface DefinitionChangeEvent {
  type: "definition_changed";
  upstream: string;
  tool: string;
  changeId: number;
  /** The tool is new to a strict upstream (no definition was accepted before). */
  firstSight: boolean;
}
export type DefinitionChangeListener = (event: DefinitionChangeEvent) => void;

/** What the model is shown of a tool, without what is absent. */
export function definitionOf(t: Tool): PinnedDefinition {
  return {
    name: t.name,
    ...(t.title !== undefined ? { title: t.title } : {}),
    ...(t.description !== undefined ? { description: t.description } : {}),
    inputSchema: t.inputSchema as Record<string, unknown>,
    ...(t.outputSchema !== undefined ? { outputSchema: t.outputSchema as Record<string, unknown> } : {}),
    ...(t.annotations !== undefined ? { annotations: t.annotations as Record<string, unknown> } : {}),
  };
}

/** `sha256:<hex>` of the canonical JSON of the whole definition (the fingerprint covers less). */
export async function definitionHash(d: PinnedDefinition): Promise<string> {
  return `sha256:${await sha256Hex(canonicalJson(d))}`;
}

export class DefinitionPins {
  readonly #listeners = new Set<DefinitionChangeListener>();

  constructor(private readonly db: Database) {}

  /** Subscribes to held-back tools; returns the unsubscribe. */
  onChange(listener: DefinitionChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The tools of `upstream`'s listing that may be shown and called; records what is held back. */
  async screen(upstream: string, listed: Tool[]): Promise<Tool[]> {
    const [pins, strict] = await Promise.all([pinsOf(this.db, upstream), isStrict(this.db, upstream)]);
    const byTool = new Map(pins.map((p) => [p.tool, p]));
    const passed: Tool[] = [];
    const firstSeen: NewPin[] = [];
    const held: { definition: PinnedDefinition; hash: string; fingerprint: string }[] = [];
    for (const t of listed) {
      const definition = definitionOf(t);
      const [hash, fingerprint] = await Promise.all([definitionHash(definition), toolFingerprint(t)]);
      const pin = byTool.get(t.name);
      if (pin?.definitionHash === hash) {
        passed.push(t);
      } else if (pin && pin.definitionHash === null && pin.fingerprint === fingerprint) {
        // An entry's pin names the fingerprint only: the rest is taken as first seen with it.
        await completePin(this.db, upstream, t.name, hash, definition);
        passed.push(t);
      } else if (!pin && !strict) {
        firstSeen.push({ upstream, tool: t.name, fingerprint, definitionHash: hash, definition, source: "first_use" });
        passed.push(t);
      } else {
        held.push({ definition, hash, fingerprint });
      }
    }
    await insertPins(this.db, firstSeen);
    if (held.length > 0) await this.#record(upstream, held, byTool);
    return passed;
  }

  async #record(
    upstream: string,
    held: { definition: PinnedDefinition; hash: string; fingerprint: string }[],
    pins: Map<string, Awaited<ReturnType<typeof pinsOf>>[number]>,
  ): Promise<void> {
    const known = new Map((await changesOf(this.db, upstream)).map((c) => [`${c.tool}\u0000${c.newDefinitionHash}`, c]));
    for (const h of held) {
      const tool = h.definition.name;
      const seen = known.get(`${tool}\u0000${h.hash}`);
      if (seen && seen.status !== "approved") continue; // pending or rejected already: it stays hidden
      const pin = pins.get(tool);
      const old = { oldDefinition: pin?.definition ?? null, oldFingerprint: pin?.fingerprint ?? null };
      // Approved once, since replaced by another approval: the operator is asked again.
      const change = seen
        ? await reopenChange(this.db, seen.id, old)
        : await recordChange(this.db, { upstream, tool, ...old, newDefinition: h.definition, newFingerprint: h.fingerprint, newDefinitionHash: h.hash });
      if (!change) continue; // another process recorded it first, and told
      const event: DefinitionChangeEvent = { type: "definition_changed", upstream, tool, changeId: change.id, firstSight: !pin };
      log.warn("tool.definition_changed", { upstream, tool, change: change.id, firstSight: event.firstSight });
      for (const listener of this.#listeners) listener(event);
    }
  }

  /**
   * Pins an upstream's tools to the fingerprints its package entry declares (tool name →
   * fingerprint), replacing its pins, and makes it strict: a tool the entry does not declare waits
   * for the operator.
   */
  async pinDefinitions(upstream: string, fingerprints: Record<string, string>): Promise<void> {
    const rows: NewPin[] = Object.entries(fingerprints).map(([tool, fingerprint]) => ({
      upstream,
      tool,
      fingerprint,
      definitionHash: null,
      definition: null,
      source: "entry",
    }));
    await replacePins(this.db, upstream, rows);
    await setStrict(this.db, upstream, true);
  }

  /** Strict: a tool seen for the first time waits for the operator too. */
  setStrict(upstream: string, strict: boolean): Promise<void> {
    return setStrict(this.db, upstream, strict);
  }

  isStrict(upstream: string): Promise<boolean> {
    return isStrict(this.db, upstream);
  }
}
