// The blackboard consistency vectors (test/vectors/blackboard/consistency.json) on each crypto
// path: namespace descriptors, session tokens, strong log entries and acknowledgements verify
// with their signers' keys and their stated bytes; each refused form is refused at its stage with
// its verdict; each strong message is accepted or malformed as stated. Homes and entry hashes are
// recomputed here with node:crypto, apart from the code under test.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { homeOf } from "../../src/protocol/blackboard/home.ts";
import { majority } from "../../src/protocol/blackboard/quorum.ts";
import { descriptorSigningBytes, signedDescriptor, verifyDescriptor } from "../../src/protocol/blackboard/namespace.ts";
import { decodeToken, SESSION_CONTEXT, SessionTokenError, tokenSigningBytes, type SessionClaims } from "../../src/protocol/blackboard/session-token.ts";
import { decide, entryHash, strongAck, strongEntry, strongOp, verifyStrongAck, verifyStrongEntry, type StrongEntry } from "../../src/protocol/blackboard/strong-log.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import type { Primitives } from "../../src/protocol/identity/primitives.ts";
import { strongAppendRequest, strongAppendResult, strongForwardRequest, strongForwardResult, strongNamespaceRequest, strongNamespaceResult } from "../../src/protocol/messages/blackboard-strong.ts";
import { PATHS, vector } from "./paths.ts";

interface Party {
  nodeId: string;
  publicKey: string;
}
type Verdict = { stage: string; verdict: string };
interface Vectors {
  a: Party;
  b: Party;
  c: Party;
  descriptors: { context: string; signed: { name: string; signingBytes: string; signed: unknown }[]; refused: ({ name: string; descriptor: unknown } & Verdict)[] };
  sessions: { context: string; issuer: string; secret: string; claims: SessionClaims; signingBytes: string; token: string; refused: ({ name: string; token: string } & Verdict)[] };
  strong: {
    namespace: string;
    replicas: string[];
    majority: number;
    homes: { key: string; scores: Record<string, string>; home: string }[];
    home: string;
    acknowledger: string;
    log: { op: unknown; result: unknown; entry?: unknown; signingBytes?: string; entryHash?: string; ack?: unknown }[];
    refusedEntries: ({ name: string; entry: unknown } & Verdict)[];
    refusedAcks: ({ name: string; ack: unknown; of: string } & Verdict)[];
    messages: { name: string; message: unknown; verdict: "accepted" | "malformed" }[];
  };
}

const v = vector<Vectors>("blackboard/consistency.json");
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const schemas: Record<string, z.ZodType> = {
  "blackboard-namespace request": strongNamespaceRequest,
  "blackboard-namespace result": strongNamespaceResult,
  "blackboard-append request": strongAppendRequest,
  "blackboard-append result": strongAppendResult,
  "blackboard-strong request": strongForwardRequest,
  "blackboard-strong result": strongForwardResult,
};
/** The schema of a message vector, by the start of its name. */
const schemaOf = (name: string) => Object.entries(schemas).find(([prefix]) => name.startsWith(prefix))![1];

describe.each(PATHS)("blackboard consistency vectors (%s)", (_label, p: Primitives) => {
  const keyOf = (node: string) => {
    const party = [v.a, v.b, v.c].find((x) => x.nodeId === node)!;
    return signingKey(p, party.publicKey);
  };
  const originKey = async (node: string) => {
    const key = await keyOf(node);
    return { verify: (m: Uint8Array, s: Uint8Array, c: string) => key.verify(s, m, c) };
  };

  it("namespace descriptors verify with their creator's key; refused ones fail at their stage", async () => {
    const key = await originKey(v.a.nodeId);
    expect(v.descriptors.signed.length).toBe(3);
    for (const d of v.descriptors.signed) {
      const parsed = signedDescriptor.parse(d.signed);
      expect(new TextDecoder().decode(descriptorSigningBytes(parsed)), d.name).toBe(d.signingBytes);
      expect(await verifyDescriptor(parsed, key), d.name).toBe(true);
    }
    expect(v.descriptors.refused.length).toBeGreaterThanOrEqual(10);
    for (const r of v.descriptors.refused) {
      const parsed = signedDescriptor.safeParse(r.descriptor);
      const got = !parsed.success ? { stage: "parse", verdict: "malformed" } : { stage: "verify", verdict: (await verifyDescriptor(parsed.data, key)) ? "valid" : "bad_signature" };
      expect(got, r.name).toEqual({ stage: r.stage, verdict: r.verdict });
    }
  });

  it("a session token decodes to its claims and verifies with the issuer's Ed25519 half; refused ones fail at their stage", async () => {
    const s = v.sessions;
    expect(s.context).toBe(SESSION_CONTEXT);
    const key = await keyOf(s.issuer);
    const { claims, sig } = decodeToken(s.token);
    expect(claims).toEqual(s.claims);
    expect(claims.client).toBe(sha256(s.secret));
    expect(new TextDecoder().decode(tokenSigningBytes(claims))).toBe(s.signingBytes);
    expect(s.token.split(".")[0]).toBe(Buffer.from(s.signingBytes, "utf8").toString("base64url"));
    expect(await key.verifyEd25519(sig, tokenSigningBytes(claims), SESSION_CONTEXT)).toBe(true);
    expect(s.refused.length).toBeGreaterThanOrEqual(10);
    for (const r of s.refused) {
      let got: Verdict;
      try {
        const d = decodeToken(r.token);
        got = { stage: "verify", verdict: (await key.verifyEd25519(d.sig, tokenSigningBytes(d.claims), SESSION_CONTEXT)) ? "valid" : "bad_signature" };
      } catch (err) {
        if (!(err instanceof SessionTokenError)) throw err;
        got = { stage: "decode", verdict: err.message };
      }
      expect(got, r.name).toEqual({ stage: r.stage, verdict: r.verdict });
    }
  });

  it("strong: homes by rendezvous hashing, a key's log of signed entries and acknowledgements, refused entries and acknowledgements", async () => {
    const s = v.strong;
    expect(s.majority).toBe(majority(s.replicas.length));
    for (const h of s.homes) {
      for (const [r, score] of Object.entries(h.scores)) expect(score, h.key).toBe(sha256(`mcpfed/1 blackboard-home\0${s.namespace}\0${h.key}\0${r}`));
      const best = Object.entries(h.scores).sort(([ra, a], [rb, b]) => (a === b ? (ra < rb ? 1 : -1) : a < b ? 1 : -1))[0]![0];
      expect(h.home, h.key).toBe(best);
      expect(homeOf(s.namespace, h.key, s.replicas)).toBe(h.home);
    }
    const [homeKey, ackKey] = await Promise.all([originKey(s.home), originKey(s.acknowledger)]);
    let committed: { slot: number; value?: unknown } = { slot: 0 };
    const entries: StrongEntry[] = [];
    for (const l of s.log) {
      const { result, write } = decide(committed, strongOp.parse(l.op));
      expect(result).toEqual(l.result);
      if (!write) {
        expect(l.entry).toBeUndefined();
        continue;
      }
      const entry = strongEntry.parse(l.entry);
      entries.push(entry);
      const { sig, ...bare } = entry;
      expect(canonicalJson(bare)).toBe(l.signingBytes);
      expect(entryHash(entry)).toBe(sha256(canonicalJson({ entry: l.signingBytes, sig })));
      expect(entryHash(entry)).toBe(l.entryHash);
      expect(await verifyStrongEntry(entry, homeKey)).toBe(true);
      expect(await verifyStrongAck(strongAck.parse(l.ack), entry, ackKey)).toBe(true);
      committed = { slot: entry.slot, ...(entry.value === undefined ? {} : { value: entry.value }) };
    }
    expect(committed).toEqual({ slot: 4, value: "fresh" });
    for (const r of s.refusedEntries) {
      const parsed = strongEntry.safeParse(r.entry);
      const got = !parsed.success ? { stage: "parse", verdict: "malformed" } : { stage: "verify", verdict: (await verifyStrongEntry(parsed.data, homeKey)) ? "valid" : "bad_signature" };
      expect(got, r.name).toEqual({ stage: r.stage, verdict: r.verdict });
    }
    for (const r of s.refusedAcks) {
      const parsed = strongAck.safeParse(r.ack);
      const of = entries.find((e) => `slot ${e.slot}` === r.of)!;
      const got = !parsed.success ? { stage: "parse", verdict: "malformed" } : { stage: "verify", verdict: (await verifyStrongAck(parsed.data, of, ackKey)) ? "valid" : "bad_signature" };
      expect(got, r.name).toEqual({ stage: r.stage, verdict: r.verdict });
    }
  });

  it("strong messages are accepted or malformed as stated", () => {
    expect(v.strong.messages.filter((m) => m.verdict === "malformed").length).toBeGreaterThanOrEqual(6);
    for (const m of v.strong.messages) expect(schemaOf(m.name).safeParse(m.message).success ? "accepted" : "malformed", m.name).toBe(m.verdict);
  });
});
