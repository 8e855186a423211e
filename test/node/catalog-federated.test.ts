import { afterEach, describe, expect, it } from "vitest";
import { listFederatedTools } from "../../src/node/catalog/federated.ts";
import type { Entry } from "../../src/protocol/registry/entry.ts";
import { sampleTool } from "../support/entries.ts";
import { TestFederation } from "../support/federation.ts";
import { seeded } from "../support/random.ts";

let fed: TestFederation;
afterEach(() => fed?.close());

/** A and B, direct peers; B's catalog is the one under test. */
async function pair(onChange?: (stored: Entry[]) => void) {
  fed = new TestFederation(seeded(3));
  const A = await fed.add("A", { store: "memory" });
  const B = await fed.add("B", { store: "libsql", ...(onChange ? { onChange } : {}) });
  fed.link("A", "B");
  const list = (pins?: Map<string, string>, isBlocked?: (o: string) => boolean) =>
    listFederatedTools(B.database!.db, { self: B.id, ...(pins ? { pins } : {}), ...(isBlocked ? { isBlocked } : {}) });
  return { A, B, list };
}

function versioned(label: string | undefined, version: string, visibility: "public" | "peers" = "public") {
  const t = sampleTool("search", version, visibility);
  return label ? { ...t, key: `${t.key}@${label}` } : t;
}

describe("federated tools in the catalog", () => {
  it("shows each tool once, at its newest live version, with its global id and fingerprint", async () => {
    const { A, list } = await pair();
    await fed.share("A", versioned(undefined, "1.5.0"));
    await fed.share("A", versioned("v1", "1.0.0"));
    await fed.share("A", versioned("next", "2.0.0-rc.1"));
    await fed.share("A", sampleTool("other", "0.1.0"));
    await fed.settle();
    const tools = await list();
    expect(tools.map((t) => [t.globalId, t.version, t.versions])).toEqual(
      [
        [`${A.id}/demo/other`, "0.1.0", ["0.1.0"]],
        [`${A.id}/demo/search`, "2.0.0-rc.1", ["2.0.0-rc.1", "1.5.0", "1.0.0"]],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
    const search = tools.find((t) => t.key === "demo/search@next")!;
    expect(search).toMatchObject({ origin: A.id, upstream: "demo", pinned: false, visibility: "public", tags: ["demo"], pricing: null });
    expect(search.definition.name).toBe("search");
    expect(search.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("shows a pinned version instead, and hides the tool when the pinned version is gone", async () => {
    const { A, list } = await pair();
    await fed.share("A", versioned(undefined, "1.5.0"));
    await fed.share("A", versioned("v2", "2.0.0"));
    await fed.settle();
    const id = `${A.id}/demo/search`;
    expect((await list(new Map([[id, "1.5.0"]])))[0]).toMatchObject({ key: "demo/search", version: "1.5.0", pinned: true });
    expect(await list(new Map([[id, "9.9.9"]]))).toEqual([]);
  });

  it("drops withdrawn versions, and keeps a tool narrowed to peers on a direct peer", async () => {
    const { list } = await pair();
    await fed.share("A", versioned(undefined, "1.5.0"));
    await fed.share("A", versioned("v2", "2.0.0"));
    await fed.settle();
    await fed.withdraw("A", "demo/search@v2");
    await fed.settle();
    expect((await list()).map((t) => t.version)).toEqual(["1.5.0"]);
    await fed.share("A", versioned(undefined, "1.5.0", "peers"));
    await fed.settle();
    expect((await list()).map((t) => [t.version, t.visibility])).toEqual([["1.5.0", "peers"]]);
    await fed.withdraw("A", "demo/search");
    await fed.settle();
    expect(await list()).toEqual([]);
  });

  it("leaves out the node's own shares and blocked origins", async () => {
    const { A, list } = await pair();
    await fed.share("A", sampleTool("theirs"));
    await fed.share("B", sampleTool("mine"));
    await fed.settle();
    expect((await list()).map((t) => t.key)).toEqual(["demo/theirs"]);
    expect(await list(undefined, (o) => o === A.id)).toEqual([]);
  });

  it("tells the catalog when entries arrive, so that it can send list_changed", async () => {
    const changes: string[][] = [];
    await pair((stored) => changes.push(stored.map((e) => `${e.signed.key} ${e.signed.tombstone ? "withdrawn" : "live"}`)));
    await fed.share("A", sampleTool("echo"));
    await fed.settle();
    await fed.withdraw("A", "demo/echo");
    await fed.settle();
    expect(changes).toEqual([["demo/echo live"], ["demo/echo withdrawn"]]);
  });
});
