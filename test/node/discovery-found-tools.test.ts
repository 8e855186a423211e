// What a search that fell back to the index may cost (src/node/discovery/found-tools.ts,
// deadline.ts): the origins asked for their entries are capped whatever the index returned, and
// a silent node costs a search its deadline, not longer.
import { describe, expect, it } from "vitest";
import { withDeadline } from "../../src/node/discovery/deadline.ts";
import { MAX_ORIGINS_ASKED, takeFoundTools, type FoundToolsPort } from "../../src/node/discovery/found-tools.ts";
import { PeerRequestError } from "../../src/node/federation-client/errors.ts";
import { openTestDatabase } from "../support/libsql.ts";

const origin = (i: number) => `origin${i}`.padEnd(32, "x");

describe("takeFoundTools", () => {
  it("asks at most MAX_ORIGINS_ASKED origins, the best-ranked hits' first, each for its own tools", async () => {
    const db = await openTestDatabase();
    const asked: [string, string[]][] = [];
    const port: FoundToolsPort = {
      db: db.db,
      // No origin answers with entries: nothing reaches the registry, which must not be asked.
      discovery: { entriesOf: async (o, keys) => (asked.push([o, keys]), undefined) },
      registry: { receive: async () => { throw new Error("nothing to receive"); } },
    };
    // Ranked order: origin 0, 1, 0 again, then 2..6.
    const ids = [0, 1, 0, 2, 3, 4, 5, 6].map((i, n) => ({ origin: origin(i), id: `${origin(i)}/up/tool${n}` }));
    await takeFoundTools(port, ids);
    expect(MAX_ORIGINS_ASKED).toBeLessThan(7);
    expect(asked.map(([o]) => o)).toEqual([0, 1, 2, 3].slice(0, MAX_ORIGINS_ASKED).map(origin));
    expect(asked[0]![1]).toEqual(["up/tool0", "up/tool2"]);
    await db.close();
  });
});

describe("withDeadline", () => {
  it("gives the answer when it comes in time", async () => {
    await expect(withDeadline(Promise.resolve(7), 1000)).resolves.toBe(7);
  });

  it("refuses with a timeout when no answer comes", async () => {
    const never = new Promise<number>(() => {});
    const err = await withDeadline(never, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerRequestError);
    expect((err as PeerRequestError).code).toBe("timeout");
  });
});
