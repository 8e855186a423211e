// Who is told that clients listen for list changes: the first listener (a 2026-07-28 listen or a
// GET stream) turns listening on, the last to go turns it off, and a listen is ready only once
// those told are.
import { describe, expect, it } from "vitest";
import { ListChangedStreams } from "../../src/node/catalog/list-changed-streams.ts";

describe("ListChangedStreams listening", () => {
  it("tells of the first listener and the last to leave, counting listens and GET streams together", async () => {
    const streams = new ListChangedStreams({ perPrincipal: 4, total: 8 });
    const told: boolean[] = [];
    streams.onListening(async (on) => void told.push(on));
    const first = streams.hold();
    const second = streams.hold();
    const get = new AbortController();
    streams.open(get.signal, "alice");
    expect(told).toEqual([true]);
    first.release();
    first.release(); // twice is once
    second.release();
    expect(told).toEqual([true]);
    get.abort();
    expect(told).toEqual([true, false]);
    streams.hold();
    expect(told).toEqual([true, false, true]);
  });

  it("makes a listen wait until those told are ready", async () => {
    const streams = new ListChangedStreams({ perPrincipal: 4, total: 8 });
    let settle!: () => void;
    streams.onListening(() => new Promise<void>((r) => (settle = r)));
    let ready = false;
    const { ready: waiting } = streams.hold();
    void waiting.then(() => (ready = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(ready).toBe(false);
    settle();
    await waiting;
    expect(ready).toBe(true);
  });
});
