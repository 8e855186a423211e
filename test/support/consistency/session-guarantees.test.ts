// The session-guarantee checker: hand-made histories with a known answer, then histories from a
// simulated replicated store, whose nodes lag behind one another, driven by clients that hop
// between nodes. Clients that carry their token and are served only by a node that has caught up
// to it never break a guarantee; clients served by whichever node they hit do, and every such
// break is found.
import { describe, expect, it } from "vitest";
import { seeded } from "../random.ts";
import { checkSessions, orderedVersions, vectorVersions, type SessionOperation } from "./session-guarantees.ts";

type Op = SessionOperation<string>;
const op = (client: string, kind: "read" | "write", value: string | null, token: string, call: number, ret: number, key = "k"): Op => ({ client, key, kind, value, token, call, return: ret });

describe("session-guarantee checker, on hand-made histories", () => {
  it("accepts a client that reads its write and then newer versions", () => {
    const h = [op("c", "write", "a", "t05", 0, 1), op("c", "read", "a", "t05", 2, 3), op("d", "write", "b", "t07", 2, 3), op("c", "read", "b", "t07", 4, 5)];
    expect(checkSessions(h, orderedVersions)).toEqual([]);
  });

  it("finds a read that misses the client's own completed write", () => {
    const h = [op("c", "write", "a", "t05", 0, 1), op("d", "write", "z", "t03", 0, 1), op("c", "read", "z", "t03", 2, 3)];
    expect(checkSessions(h, orderedVersions)).toMatchObject([{ guarantee: "read-your-writes", client: "c", earlier: { token: "t05" }, read: { token: "t03" } }]);
  });

  it("finds a read older than one the client read before", () => {
    const h = [op("d", "write", "x", "t03", 0, 1), op("d", "write", "y", "t05", 0, 1), op("c", "read", "y", "t05", 2, 3), op("c", "read", "x", "t03", 4, 5)];
    expect(checkSessions(h, orderedVersions)).toMatchObject([{ guarantee: "monotonic-reads", client: "c" }]);
  });

  it("holds a client only to operations that returned before its read began", () => {
    const h = [op("c", "write", "a", "t05", 0, 10), op("c", "read", null, "t00", 2, 3)];
    expect(checkSessions(h, orderedVersions)).toEqual([]);
  });

  it("does not hold one client to another's writes, or one key to another's", () => {
    const h = [op("d", "write", "a", "t05", 0, 1), op("c", "read", null, "t00", 2, 3), op("c", "write", "q", "t09", 0, 1, "other"), op("c", "read", "a", "t05", 4, 5)];
    expect(checkSessions(h, orderedVersions)).toEqual([]);
  });

  it("finds a stale value passed off under the token of a fresh write", () => {
    const h = [op("c", "write", "a", "t05", 0, 1), op("c", "write", "b", "t06", 2, 3), op("c", "read", "a", "t06", 4, 5)];
    expect(checkSessions(h, orderedVersions)).toMatchObject([{ guarantee: "token-value-mismatch", earlier: { value: "b" } }]);
  });

  it("compares version vectors by inclusion: a concurrent version does not cover", () => {
    const v = (client: string, kind: "read" | "write", token: Record<string, number>, call: number) => ({ client, key: "ns", kind, value: null, token, call, return: call + 1 });
    expect(checkSessions([v("c", "write", { a: 2 }, 0), v("c", "read", { a: 2, b: 1 }, 2)], vectorVersions)).toEqual([]);
    expect(checkSessions([v("c", "write", { a: 2 }, 0), v("c", "read", { a: 1, b: 5 }, 2)], vectorVersions)).toMatchObject([{ guarantee: "read-your-writes" }]);
    expect(checkSessions([v("c", "read", { a: 1, b: 1 }, 0), v("c", "read", { a: 2 }, 2)], vectorVersions)).toMatchObject([{ guarantee: "monotonic-reads" }]);
  });
});

// Nodes hold a log prefix of one global write order per key (a version is its position); each
// node catches up at its own pace. A session-keeping node serves a client only once it holds the
// client's token (else the client retries elsewhere); a careless one serves whatever it has.
function simulate(random: () => number, sessions: boolean) {
  const nodes = 3;
  const log: { value: string; version: number }[] = [{ value: "", version: 0 }];
  const applied = Array.from({ length: nodes }, () => 0);
  const token = new Map<string, number>();
  const history: Op[] = [];
  let now = 0;
  const v = (n: number) => `v${String(n).padStart(6, "0")}`;
  for (let i = 0; i < 300; i++) {
    now += 1;
    // Replication: one node catches up a little.
    const lagging = Math.floor(random() * nodes);
    applied[lagging] = Math.min(log.length - 1, applied[lagging]! + Math.floor(random() * 3));
    const client = `c${Math.floor(random() * 4)}`;
    let node = Math.floor(random() * nodes);
    const mine = token.get(client) ?? 0;
    if (sessions && applied[node]! < mine) {
      // "Retry" from this node; the client goes to one that has caught up (the writer always has).
      node = applied.findIndex((a) => a >= mine);
      if (node < 0) continue;
    }
    if (random() < 0.4) {
      const value = `${client}-${i}`;
      log.push({ value, version: log.length });
      applied[node] = log.length - 1;
      // A node writing at the head has everything: a simplification that keeps versions ordered.
      token.set(client, log.length - 1);
      history.push(op(client, "write", value, v(log.length - 1), now, now + 0.5));
    } else {
      const seen = applied[node]!;
      token.set(client, Math.max(mine, seen));
      history.push(op(client, "read", seen === 0 ? null : log[seen]!.value, v(seen), now, now + 0.5));
    }
  }
  return history;
}

describe("session-guarantee checker, on simulated replicas", () => {
  it("finds nothing when every node keeps to the client's token", () => {
    const random = seeded(21);
    for (let run = 0; run < 100; run++) expect(checkSessions(simulate(random, true), orderedVersions), `run ${run}`).toEqual([]);
  });

  it("finds the breaks when nodes serve whatever they hold, each one confirmed by hand", () => {
    const random = seeded(22);
    const found = { "read-your-writes": 0, "monotonic-reads": 0 };
    for (let run = 0; run < 100; run++) {
      const history = simulate(random, false);
      const violations = checkSessions(history, orderedVersions);
      // Recount independently: each client's highest token so far, by operation order.
      let expected = 0;
      const byClient = new Map<string, Op[]>();
      for (const o of history) byClient.set(o.client, [...(byClient.get(o.client) ?? []), o]);
      for (const ops of byClient.values())
        ops.forEach((o, i) => {
          if (o.kind === "read") expected += ops.slice(0, i).filter((e) => e.token > o.token).length;
        });
      expect(violations.length, `run ${run}`).toBe(expected);
      for (const x of violations) if (x.guarantee !== "token-value-mismatch") found[x.guarantee]++;
    }
    expect(found["read-your-writes"]).toBeGreaterThan(50);
    expect(found["monotonic-reads"]).toBeGreaterThan(50);
  });
});
