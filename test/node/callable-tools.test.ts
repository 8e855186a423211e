// The per-process cache of the tools calls name: kept for its TTL, cleared whole on a change,
// bounded, and never holding what a stranger's unknown name or a failed lookup left.
import { describe, expect, test } from "vitest";
import { CallableTools, type CallableKey } from "../../src/node/catalog/callable-tools.ts";
import type { Callable } from "../../src/store/catalog.ts";

function counting(known: string[]) {
  const loads: string[] = [];
  let failNext = false;
  const load = async (by: CallableKey): Promise<Callable | undefined> => {
    const name = "shortName" in by ? by.shortName : by.globalId;
    loads.push(name);
    if (failNext) {
      failNext = false;
      throw new Error("database is locked");
    }
    return known.includes(name) ? ({ shortName: name, globalId: `node/up/${name}` } as Callable) : undefined;
  };
  return { load, loads, failOnce: () => (failNext = true) };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("CallableTools", () => {
  test("answers from memory within the TTL, and looks again after it or after clear()", async () => {
    const db = counting(["echo"]);
    const tools = new CallableTools(db.load, { ttlMs: 40, max: 10 });
    expect((await tools.find({ shortName: "echo" }))?.shortName).toBe("echo");
    expect((await tools.find({ shortName: "echo" }))?.shortName).toBe("echo");
    expect(db.loads).toEqual(["echo"]);
    tools.clear();
    await tools.find({ shortName: "echo" });
    expect(db.loads).toEqual(["echo", "echo"]);
    await new Promise((r) => setTimeout(r, 60));
    await tools.find({ shortName: "echo" });
    expect(db.loads).toEqual(["echo", "echo", "echo"]);
  });

  test("keeps a short name and a global id apart", async () => {
    const db = counting(["echo", "node/up/echo"]);
    const tools = new CallableTools(db.load, { ttlMs: 1000, max: 10 });
    await tools.find({ shortName: "echo" });
    await tools.find({ globalId: "node/up/echo" });
    expect(db.loads).toEqual(["echo", "node/up/echo"]);
  });

  test("does not keep unknown names nor failed lookups", async () => {
    const db = counting(["echo"]);
    const tools = new CallableTools(db.load, { ttlMs: 1000, max: 10 });
    for (let i = 0; i < 50; i++) expect(await tools.find({ shortName: `nope-${i}` })).toBeUndefined();
    await settle();
    expect(tools.size).toBe(0);
    db.failOnce();
    await expect(tools.find({ shortName: "echo" })).rejects.toThrow(/locked/);
    await settle();
    expect(tools.size).toBe(0);
    expect((await tools.find({ shortName: "echo" }))?.shortName).toBe("echo");
  });

  test("holds at most `max` tools, dropping the least recently used", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const db = counting(names);
    const tools = new CallableTools(db.load, { ttlMs: 1000, max: 5 });
    for (const n of names) await tools.find({ shortName: n });
    expect(tools.size).toBe(5);
    await tools.find({ shortName: "t19" }); // kept
    await tools.find({ shortName: "t0" }); // dropped long ago
    expect(db.loads.slice(20)).toEqual(["t0"]);
  });

  test("keeps a miss only for a name it is told a peer's tool has, until clear()", async () => {
    const db = counting([]);
    const peers = new Set(["bravo_echo"]);
    const tools = new CallableTools(db.load, { ttlMs: 1000, max: 10 }, async (by) => "shortName" in by && peers.has(by.shortName));
    expect(await tools.find({ shortName: "bravo_echo" })).toBeUndefined();
    expect(await tools.find({ shortName: "stranger" })).toBeUndefined();
    await settle();
    expect(await tools.find({ shortName: "bravo_echo" })).toBeUndefined();
    expect(await tools.find({ shortName: "stranger" })).toBeUndefined();
    expect(db.loads).toEqual(["bravo_echo", "stranger", "stranger"]);
    await settle();
    expect(tools.size).toBe(1);
    tools.clear();
    await tools.find({ shortName: "bravo_echo" });
    expect(db.loads.at(-1)).toBe("bravo_echo");
    expect(db.loads).toHaveLength(4);
  });
});
