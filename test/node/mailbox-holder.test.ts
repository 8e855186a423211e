// The mailbox's store and its holding of calls (src/store/mailbox.ts, src/node/mailbox/holder.ts)
// over real libSQL: the bound per node, a message taken by one poll only, an answer reaching the
// waiting request, a message nobody took withdrawn when the caller goes away, and polls refused
// from a node the mailbox does not hold messages for; a peer message kept past its sender's wait.
import { describe, expect, it } from "vitest";
import { holdForAnswer, pollHeld, acceptAnswer, type MailboxPort } from "../../src/node/mailbox/holder.ts";
import { answerMessage, depositMessage, heldMessage, takeMessages } from "../../src/store/mailbox.ts";
import { memoryDb } from "../support/libsql.ts";

const NODE = "a".repeat(32);
const now = () => 1_800_000_000;

async function port(offers = true): Promise<MailboxPort> {
  return {
    db: await memoryDb(),
    now,
    config: { publicUrl: new URL("https://box.example"), mailboxMaxMessages: 2 },
    routes: { offer: { offers: (role) => offers && role === "mailbox" }, limits: { over: () => undefined } },
  };
}

describe("the mailbox store", () => {
  it("holds at most the bound per node, and hands each message to one poll only", async () => {
    const s = await port();
    const d = (id: string) => depositMessage(s.db, { id, nodeId: NODE, body: `{"n":"${id}"}`, now: now(), expiresAt: now() + 25 }, 2);
    expect(await d("m1")).toBe(true);
    expect(await d("m2")).toBe(true);
    expect(await d("m3")).toBe(false);
    const [first, second] = await Promise.all([takeMessages(s.db, NODE, now(), 16, 1 << 20), takeMessages(s.db, NODE, now(), 16, 1 << 20)]);
    expect([...first!, ...second!].map((m) => m.id).sort()).toEqual(["m1", "m2"]);
    expect(await takeMessages(s.db, NODE, now(), 16, 1 << 20)).toEqual([]);
  });
});

describe("holding a call", () => {
  it("withdraws a message nobody took when the caller goes away: the node was not reached", async () => {
    const s = await port();
    const gone = new AbortController();
    const held = holdForAnswer(s, NODE, { type: "forwarded", envelope: "AAAA" }, gone.signal);
    await new Promise((r) => setTimeout(r, 300));
    gone.abort();
    expect(await held).toMatchObject({ refused: { code: "destination_unreachable" } });
    expect(await takeMessages(s.db, NODE, now(), 16, 1 << 20)).toEqual([]);
  });

  it("refuses polls and answers from a node that is not a peer naming it", async () => {
    const s = await port();
    const signal = new AbortController().signal;
    expect(await pollHeld(s, NODE, { type: "mailbox-poll", wait: 0, max: 1 }, signal)).toMatchObject({ refused: { code: "not_mailboxed" } });
    expect(await acceptAnswer(s, NODE, { type: "mailbox-answer", id: "A".repeat(22), answer: { stream: "AAAA" } })).toMatchObject({ refused: { code: "not_mailboxed" } });
    const off = await port(false);
    expect(await pollHeld(off, NODE, { type: "mailbox-poll", wait: 0, max: 1 }, signal)).toMatchObject({ refused: { code: "route_not_offered" } });
  });

  it("hands the node's answer to the waiting caller, and keeps nothing after", async () => {
    const s = await port();
    const held = holdForAnswer(s, NODE, { type: "forwarded", envelope: "AAAA" }, new AbortController().signal);
    let taken: { id: string }[] = [];
    while (taken.length === 0) {
      await new Promise((r) => setTimeout(r, 50));
      taken = await takeMessages(s.db, NODE, now(), 16, 1 << 20);
    }
    const id = taken[0]!.id;
    // As acceptAnswer stores it (the poll's peer checks are covered above).
    expect(await answerMessage(s.db, NODE, id, JSON.stringify({ stream: "AQID" }))).toBe(true);
    const out = await held;
    if (!("stream" in out)) throw new Error(`refused: ${JSON.stringify(out)}`);
    expect(new Uint8Array(await new Response(out.stream).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(await heldMessage(s.db, id)).toBeUndefined();
  });

  it("keeps a peer message its sender stopped waiting for, for a later poll until it expires", async () => {
    const s = await port();
    const gone = new AbortController();
    const held = holdForAnswer(s, NODE, { type: "forwarded", envelope: "AAAA" }, gone.signal, now() + 60);
    await new Promise((r) => setTimeout(r, 300));
    gone.abort();
    expect(await held).toMatchObject({ refused: { code: "destination_unreachable" } });
    const [taken] = await takeMessages(s.db, NODE, now(), 16, 1 << 20);
    expect(taken).toMatchObject({ body: JSON.stringify({ type: "forwarded", envelope: "AAAA" }) });
    // Its late answer is stored (nobody reads it) until the tick prunes the row.
    expect(await answerMessage(s.db, NODE, taken!.id, JSON.stringify({ stream: "AQID" }))).toBe(true);
  });
});
