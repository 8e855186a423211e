// The local catalog's search (src/store/tool-search-*.ts) on a real libSQL database: what each query
// shape finds and in which order, and that the index follows the catalog's writes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { Tool } from "@modelcontextprotocol/server";
import { renamePrefix, replaceUpstreamCatalog, searchTools, updateToolSettings } from "../../src/store/catalog.ts";
import { deleteUpstream } from "../../src/store/upstreams.ts";
import { upstreams } from "../../src/store/schema/index.ts";
import { isOneEditAway, termWeights } from "../../src/store/tool-search-document.ts";
import type { Database } from "../../src/store/database.ts";
import { memoryDb, openDatabaseFile } from "../support/libsql.ts";

const NODE = "node-under-test";
const tool = (name: string, description: string, title?: string): Tool => ({ name, description, ...(title ? { title } : {}), inputSchema: { type: "object" } });

const CATALOG: Tool[] = [
  tool("create_issue", "Creates a new issue in the tracker and returns its id.", "Create issue"),
  tool("close_issue", "Closes an issue, optionally with a resolution note."),
  tool("list_issues", "Lists issues, newest first."),
  tool("send_message", "Sends a chat message to a channel."),
  tool("upload_object", "Uploads a file to an S3 bucket."),
  tool("kubernetes_pods", "Lists the pods of a Kubernetes cluster."),
  tool("get_weather", "Current weather and the forecast for a city."),
  tool("translate_text", "Translates text between languages; the issue tracker is not involved."),
];

async function seed(db: Database, name: string, list: Tool[], prefix = name) {
  await db.insert(upstreams).values({ name, kind: "http", url: `http://127.0.0.1/${name}` }).onConflictDoNothing();
  await replaceUpstreamCatalog(db, NODE, { name, prefix, catalogHash: null }, { tools: list, resources: [], resourceTemplates: [], prompts: [], serverName: name, serverVersion: "1" });
}

const found = async (db: Database, query: string, limit = 10) => (await searchTools(db, query, limit)).map((h) => h.tool.name);

describe("search_tools over the local catalog", () => {
  let db: Database;
  beforeEach(async () => {
    db = await memoryDb();
    await seed(db, "work", CATALOG);
  });

  it("finds nothing for words no tool holds, and nothing for an empty or one-letter query", async () => {
    expect(await found(db, "xyzzy frobnicate")).toEqual([]);
    expect(await found(db, "a")).toEqual([]);
    expect(await found(db, "the of")).toEqual([]);
  });

  it("finds the one tool holding a rare word", async () => {
    expect(await found(db, "kubernetes")).toEqual(["kubernetes_pods"]);
    expect(await found(db, "forecast")).toEqual(["get_weather"]);
  });

  it("ranks a tool named by the words above one that only mentions them", async () => {
    const hits = await found(db, "issue");
    expect(hits.slice(0, 3).sort()).toEqual(["close_issue", "create_issue", "list_issues"]);
    expect(hits.at(-1)).toBe("translate_text");
  });

  it("puts the tool matching most words of a many-word query first", async () => {
    const hits = await found(db, "create a new issue in the tracker");
    expect(hits[0]).toBe("create_issue");
    expect(hits).toContain("translate_text");
  });

  it("matches the last word as a prefix while it is being typed", async () => {
    expect(await found(db, "kuber")).toEqual(["kubernetes_pods"]);
    expect((await found(db, "upload buck"))[0]).toBe("upload_object");
    // Two letters are too few for a prefix: only the whole word.
    expect(await found(db, "ku")).toEqual([]);
  });

  it("finds a word with one typo, below an exact match", async () => {
    expect(await found(db, "kubernets")).toEqual(["kubernetes_pods"]);
    expect(await found(db, "wether")).toEqual(["get_weather"]);
    const [first, second] = await searchTools(db, "weather wether", 10);
    expect(first?.tool.name).toBe("get_weather");
    expect(second).toBeUndefined();
    const exact = (await searchTools(db, "forecast", 1))[0]!.score;
    const typo = (await searchTools(db, "forecsat", 1))[0]!.score;
    expect(typo).toBeGreaterThan(0);
    expect(typo).toBeLessThan(exact);
  });

  it("finds a typo in any letter, the first included, and in words of any script", async () => {
    expect(await found(db, "qeather")).toEqual(["get_weather"]);
    expect(await found(db, "ukbernetes")).toEqual(["kubernetes_pods"]);
    await seed(db, "ru", [tool("perevod", "Переводит текст.")]);
    expect(await found(db, "перводит")).toEqual(["perevod"]); // a letter left out
    expect(await found(db, "пеерводит")).toEqual(["perevod"]); // two letters swapped
    expect(await found(db, "пеервдоит")).toEqual([]); // swapped twice: two edits
    expect(await found(db, "xyzzy frobnicate kubernets")).toEqual(["kubernetes_pods"]);
  });

  it("looks a word longer than 20 letters up as typed only, so a long word cannot make it try every edit", async () => {
    await seed(db, "long", [tool("i18n", "Internationalizations of every message.")]);
    expect(await found(db, "internationalizations")).toEqual(["i18n"]);
    expect(await found(db, "internationalizatoins")).toEqual([]); // one swap, but 21 letters
    expect(await found(db, "internationalizatoin")).toEqual([]); // 20 letters: a typo of no held word
    expect(await found(db, "字".repeat(500))).toEqual([]);
    expect(await found(db, "x".repeat(499) + "y")).toEqual([]);
  });

  it("honours the limit and breaks ties by id, the same way every time", async () => {
    const two = await found(db, "issue", 2);
    expect(two).toHaveLength(2);
    expect(await found(db, "issue", 2)).toEqual(two);
  });

  it("never returns a hidden tool", async () => {
    const [hit] = await searchTools(db, "kubernetes", 1);
    await updateToolSettings(db, hit!.tool.globalId, { hidden: true });
    expect(await found(db, "kubernetes")).toEqual([]);
    // A hidden tool ranked first is passed over, and the limit is filled by the next ones.
    const [best, next, third] = await found(db, "issue", 3);
    const [bestHit] = await searchTools(db, "issue", 1);
    await updateToolSettings(db, bestHit!.tool.globalId, { hidden: true });
    expect(await found(db, "issue", 2)).toEqual([next, third]);
    expect(best).toBe(bestHit!.tool.name);
  });

  it("follows renames, prefix changes, refreshes and removed upstreams", async () => {
    const [hit] = await searchTools(db, "weather", 1);
    await updateToolSettings(db, hit!.tool.globalId, { shortName: "meteo_now" });
    expect(await found(db, "meteo")).toEqual(["get_weather"]);
    await renamePrefix(db, NODE, "work", "acme");
    expect((await found(db, "acme")).length).toBe(CATALOG.length - 1); // the renamed tool keeps its name
    await seed(db, "work", [tool("get_weather", "Tomorrow's forecast.")]);
    expect(await found(db, "kubernetes")).toEqual([]);
    expect(await found(db, "tomorrow")).toEqual(["get_weather"]);
    await seed(db, "other", [tool("get_tides", "Tide tables for tomorrow.")]);
    expect((await found(db, "tomorrow")).sort()).toEqual(["get_tides", "get_weather"]);
    await deleteUpstream(db, NODE, "work");
    expect(await found(db, "tomorrow")).toEqual(["get_tides"]);
  });
});

describe("the search index's pieces", () => {
  it("weighs a word in the name above the same word in the description, and saturates repeats", () => {
    const named = termWeights({ name: "issue_tool", shortName: "issue_tool", tags: [], description: "does things" });
    const described = termWeights({ name: "tool", shortName: "tool", tags: [], description: "does issue things" });
    expect(named.get("issue")!).toBeGreaterThan(described.get("issue")!);
    const once = termWeights({ name: "t", shortName: "t", tags: [], description: "ping" }).get("ping")!;
    const thrice = termWeights({ name: "t", shortName: "t", tags: [], description: "ping ping ping" }).get("ping")!;
    expect(thrice).toBeGreaterThan(once);
    expect(thrice).toBeLessThan(3 * once);
    expect(termWeights({ name: "t", shortName: "t", tags: [], description: "the of and" }).size).toBe(0);
  });

  it("tells one edit from none or two", () => {
    for (const [a, b] of [["kubernets", "kubernetes"], ["wether", "weather"], ["forecsat", "forecast"], ["issue", "issues"], ["slack", "slick"]]) {
      expect(isOneEditAway(a!, b!)).toBe(true);
      expect(isOneEditAway(b!, a!)).toBe(true);
    }
    for (const [a, b] of [["issue", "issue"], ["kubrnets", "kubernetes"], ["abc", "cba"], ["ab", "abcd"]]) expect(isOneEditAway(a!, b!)).toBe(false);
  });
});

describe("what a process keeps of the search index between searches", () => {
  it("sees another connection's write of the catalog on the next search, and a hidden tool at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcpfed-search-kept-"));
    const [one, two] = [await openDatabaseFile(join(dir, "node.db")), await openDatabaseFile(join(dir, "node.db"))];
    try {
      await seed(one.db, "work", CATALOG);
      // The words, terms and heads of these queries are now kept by the first connection's process state.
      expect(await found(one.db, "kubernetes")).toEqual(["kubernetes_pods"]);
      expect(await found(one.db, "tides tomorrow")).toEqual([]);
      expect((await found(one.db, "list issues")).slice(0, 1)).toEqual(["list_issues"]);
      // Another instance on the same store replaces the catalog: none of it goes through the first.
      await seed(two.db, "work", [tool("get_tides", "Tide tables for tomorrow."), tool("list_issues", "Lists issues, newest first.")]);
      expect(await found(one.db, "kubernetes")).toEqual([]);
      expect(await found(one.db, "tides tomorrow")).toEqual(["get_tides"]);
      const [hit] = await searchTools(two.db, "list issues", 1);
      await updateToolSettings(two.db, hit!.tool.globalId, { hidden: true });
      expect(await found(one.db, "list issues")).toEqual([]);
    } finally {
      one.close();
      two.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps nothing a search read across another instance's write: the words read before it are read again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcpfed-search-race-"));
    const [one, two] = [await openDatabaseFile(join(dir, "node.db")), await openDatabaseFile(join(dir, "node.db"))];
    try {
      await seed(one.db, "work", CATALOG);
      // The other instance's write lands between this search's vocabulary read and its typo read.
      let raced = false;
      const racing = new Proxy(one.db, {
        get(target, key, receiver) {
          if (key !== "all") return Reflect.get(target, key, receiver);
          return async (...args: Parameters<Database["all"]>) => {
            const rows = await target.all(...args);
            if (!raced) {
              raced = true;
              await seed(two.db, "ops", [tool("deployment_status", "Deployment status of a service.")]);
            }
            return rows;
          };
        },
      });
      await found(racing, "deploy gitlub");
      expect(raced).toBe(true);
      expect(await found(racing, "deploy")).toEqual(["deployment_status"]);
    } finally {
      one.close();
      two.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
