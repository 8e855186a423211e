// DefinitionPins over a real in-memory libSQL store: a package entry's pins (fingerprints only),
// the alert port, and a definition approved once, replaced, then shown again.
import type { Tool } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { DefinitionPins, type DefinitionChangeEvent } from "../../src/node/upstreams/definition-pins.ts";
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { approveChange, listChanges, pinsOf } from "../../src/store/definition-pins.ts";
import { memoryDb } from "../support/libsql.ts";

const read: Tool = { name: "read_graph", description: "Reads the knowledge graph", inputSchema: { type: "object", properties: {} } };
const write: Tool = { name: "create_entities", description: "Creates entities", inputSchema: { type: "object", properties: { entities: { type: "array" } } } };
const names = (tools: Tool[]) => tools.map((t) => t.name);

describe("a package entry's pins", () => {
  it("lets through the tools whose fingerprints the entry declares, and holds the rest", async () => {
    const db = await memoryDb();
    const pins = new DefinitionPins(db);
    const events: DefinitionChangeEvent[] = [];
    pins.onChange((e) => events.push(e));
    await pins.pinDefinitions("memory", { read_graph: await toolFingerprint(read), create_entities: "sha256:" + "0".repeat(64) });

    const extra: Tool = { name: "delete_everything", inputSchema: { type: "object" } };
    expect(names(await pins.screen("memory", [read, write, extra]))).toEqual(["read_graph"]);
    expect(events.map((e) => [e.tool, e.firstSight])).toEqual([
      ["create_entities", false],
      ["delete_everything", true],
    ]);
    // The matching pin now holds the whole definition: an annotation added later is a change.
    const [pinned] = (await pinsOf(db, "memory")).filter((p) => p.tool === "read_graph");
    expect(pinned).toMatchObject({ source: "entry", definition: read });
    const annotated = { ...read, annotations: { readOnlyHint: false, destructiveHint: true } };
    expect(names(await pins.screen("memory", [annotated]))).toEqual([]);
    expect(events).toHaveLength(3);
    // Seen again, nothing new is recorded or told.
    await pins.screen("memory", [read, write, extra, annotated]);
    expect(events).toHaveLength(3);
    expect(await listChanges(db, { status: "pending" })).toHaveLength(3);
  });

  it("asks again about a definition approved once and since replaced by another approval", async () => {
    const db = await memoryDb();
    const pins = new DefinitionPins(db);
    const v2 = { ...read, description: "Reads the graph, v2" };
    const v3 = { ...read, description: "Reads the graph, v3" };
    await pins.screen("memory", [read]);
    const approve = async () => {
      const [c] = await listChanges(db, { status: "pending" });
      expect(await approveChange(db, c!, Date.now())).toBe(true);
    };
    expect(await pins.screen("memory", [v2])).toEqual([]);
    await approve();
    expect(await pins.screen("memory", [v3])).toEqual([]);
    await approve();
    expect(names(await pins.screen("memory", [v3]))).toEqual(["read_graph"]);
    // v2 again: approved once, but the pin is v3 now.
    expect(await pins.screen("memory", [v2])).toEqual([]);
    expect(await listChanges(db, { status: "pending" })).toMatchObject([{ tool: "read_graph", newDefinition: v2, oldDefinition: v3 }]);
  });
});
