// A session's event store: what a client that lost a stream gets back with Last-Event-ID, and the
// bounds that keep one session's memory small whatever its streams carry.
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { SessionEventStore } from "../../src/http/mcp/session-events.ts";
import { LegacySessions } from "../../src/http/mcp/legacy-sessions.ts";

const note = (n: number, pad = 0): JSONRPCMessage => ({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: `${n}${"x".repeat(pad)}` } });

async function replay(store: SessionEventStore, after: string) {
  const sent: [string, JSONRPCMessage][] = [];
  const stream = await store.replayEventsAfter(after, { send: async (id, m) => void sent.push([id, m]) });
  return { stream, sent };
}

describe("SessionEventStore", () => {
  it("replays only the events after the last one seen, on that stream only", async () => {
    const store = new SessionEventStore({ streams: 4, eventsPerStream: 10, bytes: 10_000 });
    const prime = await store.storeEvent("a", {} as JSONRPCMessage);
    const a1 = await store.storeEvent("a", note(1));
    await store.storeEvent("b", note(99));
    const a2 = await store.storeEvent("a", note(2));
    expect(await store.getStreamIdForEventId(prime)).toBe("a");
    const { stream, sent } = await replay(store, prime);
    expect(stream).toBe("a");
    expect(sent.map(([id]) => id)).toEqual([a1, a2]);
    expect((await replay(store, a2)).sent).toEqual([]);
  });

  it("refuses ids it did not issue", async () => {
    const store = new SessionEventStore({ streams: 4, eventsPerStream: 10, bytes: 10_000 });
    await store.storeEvent("a", note(1));
    for (const id of ["", "1", "1.99", "7.1", "a.1", "1.1.1", `1.${"9".repeat(40)}`]) expect(await store.getStreamIdForEventId(id)).toBeUndefined();
  });

  it("keeps a few events per stream; a stream that lost one after the client's last cannot be resumed", async () => {
    const store = new SessionEventStore({ streams: 4, eventsPerStream: 3, bytes: 10_000 });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await store.storeEvent("a", note(i)));
    // ids[1] was dropped: resuming from ids[0] would skip it.
    expect(await store.getStreamIdForEventId(ids[0]!)).toBeUndefined();
    expect(await store.getStreamIdForEventId(ids[1]!)).toBe("a");
    expect((await replay(store, ids[1]!)).sent.map(([id]) => id)).toEqual(ids.slice(2));
  });

  it("keeps a few streams, the newest", async () => {
    const store = new SessionEventStore({ streams: 2, eventsPerStream: 10, bytes: 10_000 });
    const a = await store.storeEvent("a", note(1));
    const b = await store.storeEvent("b", note(2));
    const c = await store.storeEvent("c", note(3));
    expect(await store.getStreamIdForEventId(a)).toBeUndefined();
    expect(await store.getStreamIdForEventId(b)).toBe("b");
    expect(await store.getStreamIdForEventId(c)).toBe("c");
  });

  it("stays within its byte budget, dropping the oldest events first", async () => {
    const store = new SessionEventStore({ streams: 8, eventsPerStream: 100, bytes: 2_000 });
    const first = await store.storeEvent("a", note(0, 500));
    for (let i = 1; i < 20; i++) await store.storeEvent(i % 2 ? "a" : "b", note(i, 500));
    expect(store.bytes).toBeLessThanOrEqual(2_000);
    expect(await store.getStreamIdForEventId(first)).toBeUndefined();
    // An event larger than the whole budget goes out live but is not kept.
    const before = await store.storeEvent("c", note(1));
    await store.storeEvent("c", note(2, 5_000));
    expect(store.bytes).toBeLessThanOrEqual(2_000);
    expect(await store.getStreamIdForEventId(before)).toBeUndefined();
  });
});

describe("LegacySessions limits", () => {
  const session = (principal: string) => ({ principal, server: { close: async () => {} }, transport: {} }) as never;

  it("makes room for a principal's new session by closing its coldest, and refuses one past the total", async () => {
    const sessions = new LegacySessions({ perPrincipal: 2, total: 3, idleMs: 60_000 });
    expect(sessions.admit("alice")).toBe(true);
    sessions.add("a1", session("alice"));
    sessions.add("a2", session("alice"));
    sessions.use("a1", "alice"); // a2 is now the coldest
    expect(sessions.admit("alice")).toBe(true);
    sessions.add("a3", session("alice"));
    expect(sessions.use("a2", "alice")).toBeUndefined();
    expect(sessions.use("a1", "alice")).toBeDefined();
    sessions.add("b1", session("bob"));
    expect(sessions.size).toBe(3);
    // At the total a stranger's sessions stay; carol is served without one.
    expect(sessions.admit("carol")).toBe(false);
    expect(sessions.use("b1", "bob")).toBeDefined();
    expect(sessions.use("b1", "alice")).toBeUndefined();
    await sessions.closeAll();
  });
});
