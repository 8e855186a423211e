// Peers' resources, templates and prompts in B's catalog: gossiped from A and C over the in-memory
// network into B's libSQL store, then named as B's clients see them.
import { afterEach, describe, expect, it } from "vitest";
import { federatedResourceFor, listFederatedItems } from "../../src/node/catalog/federated-items.ts";
import type { ItemShareInput } from "../../src/node/registry/registry.ts";
import { replaceUpstreamCatalog } from "../../src/store/catalog.ts";
import { upstreams } from "../../src/store/schema/index.ts";
import { TestFederation, type TestNode } from "../support/federation.ts";
import { seeded } from "../support/random.ts";

let fed: TestFederation;
afterEach(() => fed?.close());

async function trio() {
  fed = new TestFederation(seeded(5));
  const A = await fed.add("A", { store: "memory" });
  const C = await fed.add("C", { store: "memory" });
  const B = await fed.add("B", { store: "libsql" });
  fed.link("A", "B");
  fed.link("C", "B");
  // `taken`: what B's own upstream lists, replacing what it listed before.
  const list = async (taken: { uris?: string[]; prompts?: string[] } = {}) => {
    const db = B.database!.db;
    await db.insert(upstreams).values({ name: "here", kind: "http", url: "http://127.0.0.1:9/mcp", prefix: "" }).onConflictDoNothing();
    const snapshot = { tools: [], resourceTemplates: [], serverName: undefined, serverVersion: undefined };
    await replaceUpstreamCatalog(db, B.id, { name: "here", prefix: "", catalogHash: null }, { ...snapshot, resources: (taken.uris ?? []).map((uri) => ({ uri, name: uri })), prompts: (taken.prompts ?? []).map((name) => ({ name })) });
    return listFederatedItems({ db, nodeId: B.id });
  };
  return { A, B, C, list };
}

async function share(n: TestNode, input: Omit<ItemShareInput, "visibility" | "pricing"> & Partial<ItemShareInput>) {
  const stored = await n.registry.shareItem({ visibility: "public", pricing: null, ...input });
  if (stored.length > 0) n.gossip.changed();
  await fed.settle();
  return stored;
}

const doc = { uri: "doc://handbook", name: "handbook", mimeType: "text/markdown" };
const yearly = { uriTemplate: "doc://report/{year}", name: "report" };
const summarise = { name: "summarise", arguments: [{ name: "topic", required: true }] };

describe("peers' items in the catalog", () => {
  it("keeps the origin's URI, and gives a second origin's same URI its alias", async () => {
    const { A, C, list } = await trio();
    await share(A, { kind: "resource", upstream: "docs", definition: doc });
    await share(C, { kind: "resource", upstream: "docs", definition: doc });
    const items = await list();
    const names = items.map((i) => i.shortName);
    expect(names).toHaveLength(2);
    expect(names).toContain("doc://handbook");
    expect(names.find((n) => n !== doc.uri)).toMatch(/^mcpfed:\/\/[A-Za-z0-9_-]+\/doc:\/\/handbook$/);
    // Each listed URI names one origin's item, and goes to that origin as the origin's own URI.
    for (const i of items) {
      expect(federatedResourceFor(items, i.shortName)).toBe(i);
      expect(i.original).toBe(doc.uri);
      expect(i.id).toBe(`resource:${i.origin}/docs/${encodeURIComponent(doc.uri)}`);
    }
    // A local resource of that URI keeps it: both peers' are listed under their aliases.
    const behindLocal = await list({ uris: [doc.uri] });
    expect(behindLocal.every((i) => i.shortName.startsWith("mcpfed://"))).toBe(true);
    expect(federatedResourceFor(behindLocal, doc.uri)).toBeUndefined();
  });

  it("names prompts after the origin, around local names, and matches reads against templates", async () => {
    const { A, list } = await trio();
    await share(A, { kind: "prompt", upstream: "docs", definition: summarise });
    await share(A, { kind: "resource-template", upstream: "docs", definition: yearly });
    const [prompt] = (await list()).filter((i) => i.kind === "prompt");
    expect(prompt).toMatchObject({ shortName: `${A.id.slice(0, 8)}_docs_summarise`, original: "summarise", globalId: `${A.id}/docs/summarise`, tags: [], pinned: false });
    const [again] = (await list({ prompts: [prompt!.shortName] })).filter((i) => i.kind === "prompt");
    expect(again!.shortName).toMatch(new RegExp(`^${prompt!.shortName}_[0-9a-f]{8}$`));
    const items = await list();
    expect(federatedResourceFor(items, "doc://report/2024")).toMatchObject({ kind: "resource-template", original: yearly.uriTemplate });
    expect(federatedResourceFor(items, "doc://report/2024/extra")).toBeUndefined();
  });

  it("drops a withdrawn item, and a changed one shows its new definition", async () => {
    const { A, list } = await trio();
    await share(A, { kind: "resource", upstream: "docs", definition: doc });
    await share(A, { kind: "prompt", upstream: "docs", definition: summarise });
    expect(await share(A, { kind: "prompt", upstream: "docs", definition: summarise })).toEqual([]);
    await share(A, { kind: "resource", upstream: "docs", definition: { ...doc, title: "The handbook" } });
    expect((await list()).find((i) => i.kind === "resource")!.definition).toMatchObject({ title: "The handbook" });
    const withdrawn = await A.registry.withdraw(`docs/${encodeURIComponent(doc.uri)}`, "resource");
    expect(withdrawn).toHaveLength(1);
    A.gossip.changed();
    await fed.settle();
    expect((await list()).map((i) => i.kind)).toEqual(["prompt"]);
  });
});
