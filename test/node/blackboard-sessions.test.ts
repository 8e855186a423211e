// Session tokens between two replicas on real libSQL stores, in-process: a token binds the
// client's session secret (everywhere) and principal (at its issuer); a replica behind the token
// fetches from the issuer, and answers `retry` when it cannot.
import { describe, expect, it } from "vitest";
import { Blackboard } from "../../src/node/blackboard/board.ts";
import { BlackboardReplication, type BlackboardTransport } from "../../src/node/blackboard/replication.ts";
import { BlackboardSessions } from "../../src/node/blackboard/sessions.ts";
import { opFor } from "../../src/node/blackboard/requests.ts";
import { BlackboardStore } from "../../src/store/blackboard.ts";
import { memoryDb } from "../support/libsql.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";

async function pair() {
  const ids = [await ed25519TestSigner(), await ed25519TestSigner()];
  const ring = new TestKeyring().add(...ids);
  const keys = { keyOf: async (node: string) => ring.keyOf(node) };
  let reachable = true;
  const parts: { board: Blackboard; replication: BlackboardReplication; sessions: BlackboardSessions }[] = [];
  for (const id of ids) {
    const self = id.signer.nodeId;
    const other = () => parts.find((p) => p.board.self !== self)!;
    const call = async (_peer: string, r: Parameters<BlackboardReplication["onRequest"]>[1]) => {
      if (!reachable) throw new Error("unreachable");
      return (await other().replication.onRequest(self, r)) as never;
    };
    // No pushes: a write's push to the other replica would race the test (it starts on every local
    // write); here a replica learns a version only through the token's fetch.
    const transport: BlackboardTransport = {
      push: async () => {
        throw new Error("no pushes in this test");
      },
      reconcile: call,
      transfer: call,
    };
    const board = new Blackboard({ self, store: new BlackboardStore(await memoryDb()), signer: id.signer, keys });
    const replication = new BlackboardReplication({ board, transport, activePeers: async () => [], later: () => {} });
    const sessions = new BlackboardSessions({ board, signer: id.signer, keys, fetch: (ns, peer) => replication.repair(ns, peer), fetchWaitMs: 2000 });
    parts.push({ board, replication, sessions });
  }
  const [a, b] = parts as [(typeof parts)[0], (typeof parts)[0]];
  const d = await a.board.describe("s", [b.board.self], "session");
  await b.board.receiveDescriptors([d], a.board.self);
  return { a, b, ns: d.namespace, cut: () => (reachable = false) };
}

const alice = { principal: "token:alice", secret: "alice-session-secret" };

describe("blackboard session tokens", () => {
  it("a replica behind the token fetches from its issuer, then serves", async () => {
    const { a, b, ns } = await pair();
    const w = await a.board.write(ns, "k", (held) => opFor({ type: "register", op: "set", value: "v1" }, held, a.board.self));
    const token = await a.sessions.issue(ns, "k", alice, w.vector);
    expect((await b.board.read(ns, "k")).value).toBeUndefined();
    await b.sessions.reach(ns, "k", { principal: "token:other-id-at-b", secret: alice.secret }, token);
    expect((await b.board.read(ns, "k")).value).toMatchObject({ value: "v1" });
  });

  it("answers retry when the issuer cannot be reached, and serves without waiting once it covers the token", async () => {
    const { a, b, ns, cut } = await pair();
    const w = await a.board.write(ns, "k", (held) => opFor({ type: "register", op: "set", value: "v1" }, held, a.board.self));
    const token = await a.sessions.issue(ns, "k", alice, w.vector);
    cut();
    await expect(b.sessions.reach(ns, "k", alice, token)).rejects.toMatchObject({ code: "retry" });
    expect((await b.board.read(ns, "k")).value).toBeUndefined();
    // The issuer covers its own tokens.
    await a.sessions.reach(ns, "k", alice, token);
  });

  it("refuses another client's token, another principal's at the issuer, another key's, and an altered one", async () => {
    const { a, b, ns } = await pair();
    const w = await a.board.write(ns, "k", (held) => opFor({ type: "register", op: "set", value: "v1" }, held, a.board.self));
    const token = await a.sessions.issue(ns, "k", alice, w.vector);
    await expect(b.sessions.reach(ns, "k", { ...alice, secret: "mallory-session-secret" }, token)).rejects.toMatchObject({ code: "bad_token" });
    await expect(a.sessions.reach(ns, "k", { ...alice, principal: "token:mallory" }, token)).rejects.toMatchObject({ code: "bad_token" });
    await expect(a.sessions.reach(ns, "other", alice, token)).rejects.toMatchObject({ code: "bad_token" });
    const [claims, sig] = token.split(".");
    const changed = JSON.parse(Buffer.from(claims!, "base64url").toString()) as { vector: Record<string, string> };
    changed.vector = {};
    const sorted = JSON.stringify(Object.fromEntries(Object.entries(changed).sort(([x], [y]) => (x < y ? -1 : 1))));
    await expect(b.sessions.reach(ns, "k", alice, `${Buffer.from(sorted).toString("base64url")}.${sig}`)).rejects.toMatchObject({ code: "bad_token" });
  });
});
