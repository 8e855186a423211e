// Vectors of the blackboard's consistency levels (docs/protocol.md §17.5, §17.7, §17.8), written
// to test/vectors/blackboard/consistency.json: namespace descriptors signed by their creator;
// session version tokens signed with the Ed25519 half of the issuer's key; strong consistency's
// homes, log entries, acknowledgements and the three messages with their results. Each has
// refused forms, with the stage that refuses them (parse: the schema; verify: the signature).
import type { z } from "zod";
import { descriptorSigningBytes, NAMESPACE_CONTEXT, signDescriptor, signedDescriptor, verifyDescriptor, type UnsignedDescriptor } from "../../src/protocol/blackboard/namespace.ts";
import { homeOf, homeScore } from "../../src/protocol/blackboard/home.ts";
import { majority } from "../../src/protocol/blackboard/quorum.ts";
import { decodeToken, encodeToken, SESSION_CONTEXT, SessionTokenError, tokenSigningBytes, type SessionClaims } from "../../src/protocol/blackboard/session-token.ts";
import { decide, entryHash, signStrongAck, signStrongEntry, STRONG_ACK_CONTEXT, STRONG_ENTRY_CONTEXT, strongAck, strongEntry, strongOp, verifyStrongAck, verifyStrongEntry, type StrongEntry } from "../../src/protocol/blackboard/strong-log.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../src/protocol/encoding/hash.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { strongAppendRequest, strongAppendResult, strongForwardRequest, strongForwardResult, strongNamespaceRequest, strongNamespaceResult } from "../../src/protocol/messages/blackboard-strong.ts";
import { agree, b64, flipped, p, write } from "./common.ts";

interface Party {
  seed: Uint8Array;
  key: SigningKey;
}

const party = (k: Party) => ({ seed: b64(k.seed), nodeId: k.key.nodeId, publicKey: b64(k.key.signer.publicKey) });
const signerOf = (k: Party) => ({ nodeId: k.key.nodeId, sign: (m: Uint8Array, c: string) => k.key.signer.sign(m, c) });
const originKey = async (k: Party) => {
  const key = await signingKey(p, b64(k.key.signer.publicKey));
  return { verify: (message: Uint8Array, signature: Uint8Array, context: string) => key.verify(signature, message, context), verifyEd25519: (message: Uint8Array, signature: Uint8Array, context: string) => key.verifyEd25519(signature, message, context) };
};
const parses = (schema: z.ZodType, input: unknown) => (schema.safeParse(input).success ? "accepted" : "malformed");
const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** 2026-01-01T00:00:00Z plus `ms`, as an HLC. */
const hlc = (ms: number, counter = 0) => (0x019b76daa800 + ms).toString(16).padStart(12, "0") + counter.toString(16).padStart(4, "0");

async function descriptors(a: Party, b: Party, c: Party) {
  const replicas = [a.key.nodeId, b.key.nodeId, c.key.nodeId].sort();
  const unsigned: { name: string; descriptor: UnsignedDescriptor }[] = [
    { name: "strong, three replicas", descriptor: { namespace: `${a.key.nodeId}/kv`, hlc: hlc(0), replicas, consistency: "strong" } },
    { name: "session, the creator alone", descriptor: { namespace: `${a.key.nodeId}/notes`, hlc: hlc(1), replicas: [a.key.nodeId], consistency: "session" } },
    { name: "eventual, public", descriptor: { namespace: `${a.key.nodeId}/board`, hlc: hlc(2), replicas: "public", consistency: "eventual" } },
  ];
  const key = await originKey(a);
  const signed = [];
  for (const u of unsigned) {
    const d = await signDescriptor(u.descriptor, signerOf(a));
    agree(`descriptor ${u.name}`, true, await verifyDescriptor(d, key));
    signed.push({ name: u.name, unsigned: u.descriptor, signingBytes: text(descriptorSigningBytes(u.descriptor)), signed: d });
  }
  const good = signed[0]!.signed;
  const { sig: _sig, ...bare } = good;
  const refused: { name: string; descriptor: unknown; stage: "parse" | "verify"; verdict: string }[] = [
    { name: "replicas not sorted", descriptor: { ...good, replicas: [...replicas].reverse() }, stage: "parse", verdict: "malformed" },
    { name: "a replica twice", descriptor: { ...good, replicas: [replicas[0], replicas[0], replicas[1]] }, stage: "parse", verdict: "malformed" },
    { name: "the creator not among the replicas", descriptor: { ...good, replicas: [b.key.nodeId, c.key.nodeId].sort() }, stage: "parse", verdict: "malformed" },
    { name: "no replica", descriptor: { ...good, replicas: [] }, stage: "parse", verdict: "malformed" },
    { name: "a consistency level that does not exist", descriptor: { ...good, consistency: "linearizable" }, stage: "parse", verdict: "malformed" },
    { name: "a name in capitals", descriptor: { ...good, namespace: `${a.key.nodeId}/KV` }, stage: "parse", verdict: "malformed" },
    { name: "an unknown field", descriptor: { ...good, ttl: 60 }, stage: "parse", verdict: "malformed" },
    { name: "the consistency changed after signing", descriptor: { ...good, consistency: "eventual" }, stage: "verify", verdict: "bad_signature" },
    { name: "a bit flipped in the signature", descriptor: { ...good, sig: flipped(good.sig) }, stage: "verify", verdict: "bad_signature" },
    { name: "signed by a replica, not the creator", descriptor: { ...bare, sig: b64(await b.key.signer.sign(descriptorSigningBytes(bare), NAMESPACE_CONTEXT)) }, stage: "verify", verdict: "bad_signature" },
    { name: "signed under the strong entry's context", descriptor: { ...bare, sig: b64(await a.key.signer.sign(descriptorSigningBytes(bare), STRONG_ENTRY_CONTEXT)) }, stage: "verify", verdict: "bad_signature" },
  ];
  for (const r of refused) {
    const parsed = signedDescriptor.safeParse(r.descriptor);
    const got = !parsed.success ? "malformed" : (await verifyDescriptor(parsed.data, key)) ? "valid" : "bad_signature";
    agree(`refused descriptor: ${r.name}`, r.verdict, got);
  }
  return { context: NAMESPACE_CONTEXT, signed, refused };
}

async function sessionTokens(a: Party, b: Party) {
  const namespace = `${a.key.nodeId}/notes`;
  const secret = "client-session-secret-0001";
  const claims: SessionClaims = { v: 1, namespace, key: "draft", principal: "api-token:t1", issuer: a.key.nodeId, client: await sha256Hex(secret), vector: { [a.key.nodeId]: hlc(5), [b.key.nodeId]: hlc(3, 1) } };
  const bytes = tokenSigningBytes(claims);
  const sig = await a.key.signer.signEd25519(bytes, SESSION_CONTEXT);
  const token = encodeToken(claims, sig);
  const key = await originKey(a);
  agree("session token", true, await key.verifyEd25519(bytes, sig, SESSION_CONTEXT));
  const [claimsPart, sigPart] = token.split(".") as [string, string];
  const reencoded = (c: unknown) => `${b64(new TextEncoder().encode(JSON.stringify(c)))}.${sigPart}`;
  const resigned = async (c: SessionClaims, by: Party, context = SESSION_CONTEXT) => encodeToken(c, await by.key.signer.signEd25519(tokenSigningBytes(c), context));
  const refused: { name: string; token: string; stage: "decode" | "verify"; verdict: string }[] = [
    { name: "not two base64url parts", token: `${claimsPart}.${sigPart}.x`, stage: "decode", verdict: "not a session token" },
    { name: "claims that are not JSON", token: `${b64(new TextEncoder().encode("{v:1"))}.${sigPart}`, stage: "decode", verdict: "not a session token" },
    { name: "claims not in their canonical form (keys reordered)", token: reencoded({ vector: claims.vector, v: 1, namespace, key: "draft", principal: claims.principal, issuer: claims.issuer, client: claims.client }), stage: "decode", verdict: "malformed session token" },
    { name: "version 2", token: reencoded(JSON.parse(canonicalJson({ ...claims, v: 2 }))), stage: "decode", verdict: "malformed session token" },
    { name: "a client that is not a SHA-256", token: reencoded(JSON.parse(canonicalJson({ ...claims, client: "abc" }))), stage: "decode", verdict: "malformed session token" },
    { name: "an HLC in uppercase hex in the vector", token: reencoded(JSON.parse(canonicalJson({ ...claims, vector: { [a.key.nodeId]: hlc(5).toUpperCase() } }))), stage: "decode", verdict: "malformed session token" },
    { name: "over 16 KiB", token: `${claimsPart}${"A".repeat(16 * 1024)}.${sigPart}`, stage: "decode", verdict: "token too long" },
    { name: "the vector raised after signing", token: reencoded(JSON.parse(canonicalJson({ ...claims, vector: { ...claims.vector, [a.key.nodeId]: hlc(9) } }))), stage: "verify", verdict: "bad_signature" },
    { name: "another client's hash after signing", token: reencoded(JSON.parse(canonicalJson({ ...claims, client: await sha256Hex("another-client-secret-02") }))), stage: "verify", verdict: "bad_signature" },
    { name: "signed by another node, naming the issuer", token: await resigned(claims, b), stage: "verify", verdict: "bad_signature" },
    { name: "signed under the namespace context", token: await resigned(claims, a, NAMESPACE_CONTEXT), stage: "verify", verdict: "bad_signature" },
  ];
  for (const r of refused) {
    let got: string;
    try {
      const d = decodeToken(r.token);
      got = (await key.verifyEd25519(tokenSigningBytes(d.claims), d.sig, SESSION_CONTEXT)) ? "valid" : "bad_signature";
    } catch (err) {
      if (!(err instanceof SessionTokenError)) throw err;
      got = err.message;
    }
    agree(`refused token: ${r.name}`, r.verdict, got);
  }
  return { context: SESSION_CONTEXT, issuer: a.key.nodeId, secret, claims, signingBytes: text(bytes), token, refused };
}

async function strong(a: Party, b: Party, c: Party) {
  const all = [a, b, c];
  const replicas = all.map((x) => x.key.nodeId).sort();
  const namespace = `${a.key.nodeId}/kv`;
  const homes = ["k0", "k1", "k2", "k3", "task/42"].map((key) => ({ key, scores: Object.fromEntries(replicas.map((r) => [r, homeScore(namespace, key, r)])), home: homeOf(namespace, key, replicas) }));
  const key = "k0";
  const home = all.find((x) => x.key.nodeId === homeOf(namespace, key, replicas))!;
  const replica = all.find((x) => x !== home)!;
  const homeKey = await originKey(home);
  const replicaKey = await originKey(replica);

  // A key's log: each op decided on the committed state the one before left.
  const ops = [
    { op: "write", value: { owner: "translator-7" } },
    { op: "read" },
    { op: "cas", expected: { value: { owner: "someone else" } }, value: 1 },
    { op: "cas", expected: { value: { owner: "translator-7" } }, value: { owner: "summarizer-2" } },
    { op: "delete" },
    { op: "cas", expected: null, value: "fresh" },
  ].map((o) => strongOp.parse(o));
  let committed: { slot: number; value?: unknown } = { slot: 0 };
  const log: { op: unknown; result: unknown; entry?: StrongEntry; signingBytes?: string; entryHash?: string; ack?: unknown }[] = [];
  for (const [i, op] of ops.entries()) {
    const { result, write: w } = decide(committed, op);
    if (!w) {
      log.push({ op, result });
      continue;
    }
    const unsigned = { namespace, key, slot: result.slot, hlc: hlc(10 + i), home: home.key.nodeId, ...(w.value === undefined ? {} : { value: w.value as never }) };
    const entry = await signStrongEntry(unsigned, signerOf(home));
    agree(`strong entry ${i}`, true, await verifyStrongEntry(entry, homeKey));
    const ack = await signStrongAck(entry, signerOf(replica));
    agree(`strong ack ${i}`, true, await verifyStrongAck(ack, entry, replicaKey));
    const { sig: _s, ...bare } = entry;
    log.push({ op, result, entry, signingBytes: canonicalJson(bare), entryHash: entryHash(entry), ack });
    committed = { slot: result.slot, ...(w.value === undefined ? {} : { value: w.value }) };
  }
  agree("the log's last value", { slot: 4, value: "fresh" }, committed);

  const entry = log[0]!.entry!;
  const ack = log[0]!.ack as z.infer<typeof strongAck>;
  const { sig: _e, ...bareEntry } = entry;
  const { sig: _a, ...bareAck } = ack;
  const otherEntry = log[3]!.entry!;
  const refusedEntries: { name: string; entry: unknown; stage: "parse" | "verify"; verdict: string }[] = [
    { name: "slot 0", entry: { ...entry, slot: 0 }, stage: "parse", verdict: "malformed" },
    { name: "a value past 16 KiB", entry: { ...entry, value: "v".repeat(16 * 1024) }, stage: "parse", verdict: "malformed" },
    { name: "an unknown field", entry: { ...entry, acks: [] }, stage: "parse", verdict: "malformed" },
    { name: "the value changed after signing", entry: { ...entry, value: { owner: "mallory" } }, stage: "verify", verdict: "bad_signature" },
    { name: "the slot changed after signing", entry: { ...entry, slot: 2 }, stage: "verify", verdict: "bad_signature" },
    { name: "signed by a replica that is not the home, naming the home", entry: { ...bareEntry, sig: b64(await replica.key.signer.sign(new TextEncoder().encode(canonicalJson(bareEntry)), STRONG_ENTRY_CONTEXT)) }, stage: "verify", verdict: "bad_signature" },
    { name: "signed under the acknowledgement's context", entry: { ...bareEntry, sig: b64(await home.key.signer.sign(new TextEncoder().encode(canonicalJson(bareEntry)), STRONG_ACK_CONTEXT)) }, stage: "verify", verdict: "bad_signature" },
  ];
  for (const r of refusedEntries) {
    const parsed = strongEntry.safeParse(r.entry);
    agree(`refused entry: ${r.name}`, r.verdict, !parsed.success ? "malformed" : (await verifyStrongEntry(parsed.data, homeKey)) ? "valid" : "bad_signature");
  }
  // An acknowledgement counts only for the very entry it names, signed by the replica it names.
  const refusedAcks: { name: string; ack: unknown; of: "slot 1" | "slot 2"; stage: "parse" | "verify"; verdict: string }[] = [
    { name: "an entry hash in uppercase", ack: { ...ack, entry: ack.entry.toUpperCase() }, of: "slot 1", stage: "parse", verdict: "malformed" },
    { name: "an unknown field", ack: { ...ack, at: 1 }, of: "slot 1", stage: "parse", verdict: "malformed" },
    { name: "the acknowledgement of another entry", ack, of: "slot 2", stage: "verify", verdict: "bad_signature" },
    { name: "a bit flipped in the signature", ack: { ...ack, sig: flipped(ack.sig) }, of: "slot 1", stage: "verify", verdict: "bad_signature" },
    { name: "signed by the home, naming the replica", ack: { ...bareAck, sig: b64(await home.key.signer.sign(new TextEncoder().encode(canonicalJson(bareAck)), STRONG_ACK_CONTEXT)) }, of: "slot 1", stage: "verify", verdict: "bad_signature" },
  ];
  for (const r of refusedAcks) {
    const parsed = strongAck.safeParse(r.ack);
    const of = r.of === "slot 1" ? entry : otherEntry;
    agree(`refused ack: ${r.name}`, r.verdict, !parsed.success ? "malformed" : (await verifyStrongAck(parsed.data, of, replicaKey)) ? "valid" : "bad_signature");
  }

  const descriptor = await signDescriptor({ namespace, hlc: hlc(0), replicas, consistency: "strong" }, signerOf(a));
  const messages: { name: string; schema: z.ZodType; message: unknown; verdict: "accepted" | "malformed" }[] = [
    { name: "blackboard-namespace request", schema: strongNamespaceRequest, message: { type: "blackboard-namespace", descriptor }, verdict: "accepted" },
    { name: "blackboard-namespace result", schema: strongNamespaceResult, message: { type: "blackboard-namespace", stored: true }, verdict: "accepted" },
    { name: "blackboard-append request", schema: strongAppendRequest, message: { type: "blackboard-append", entry }, verdict: "accepted" },
    { name: "blackboard-append result: an acknowledgement", schema: strongAppendResult, message: { type: "blackboard-ack", ack }, verdict: "accepted" },
    { name: "blackboard-append result: refused as stale", schema: strongAppendResult, message: { type: "blackboard-refused", code: "stale", message: "slot 1 is older than the stored one" }, verdict: "accepted" },
    { name: "blackboard-strong request: compare-and-set on no value", schema: strongForwardRequest, message: { type: "blackboard-strong", namespace, key, op: { op: "cas", expected: null, value: "fresh" } }, verdict: "accepted" },
    { name: "blackboard-strong result: a read", schema: strongForwardResult, message: { type: "blackboard-strong-result", outcome: { ok: true, result: { op: "read", value: { owner: "translator-7" }, slot: 1 } } }, verdict: "accepted" },
    { name: "blackboard-strong result: unavailable, maybe applied", schema: strongForwardResult, message: { type: "blackboard-strong-result", outcome: { ok: false, error: "unavailable", applied: "unknown", message: "the home did not answer" } }, verdict: "accepted" },
    { name: "blackboard-namespace result without stored", schema: strongNamespaceResult, message: { type: "blackboard-namespace" }, verdict: "malformed" },
    { name: "blackboard-append request with an entry of slot 0", schema: strongAppendRequest, message: { type: "blackboard-append", entry: { ...entry, slot: 0 } }, verdict: "malformed" },
    { name: "blackboard-append result refused with an unknown code", schema: strongAppendResult, message: { type: "blackboard-refused", code: "busy", message: "later" }, verdict: "malformed" },
    { name: "blackboard-strong request: compare-and-set without expected", schema: strongForwardRequest, message: { type: "blackboard-strong", namespace, key, op: { op: "cas", value: 1 } }, verdict: "malformed" },
    { name: "blackboard-strong request: an increment (not a strong op)", schema: strongForwardRequest, message: { type: "blackboard-strong", namespace, key, op: { op: "add", amount: 1 } }, verdict: "malformed" },
    { name: "blackboard-strong result: an error it does not have", schema: strongForwardResult, message: { type: "blackboard-strong-result", outcome: { ok: false, error: "timeout", applied: "no", message: "" } }, verdict: "malformed" },
    { name: "blackboard-strong result: unavailable without applied", schema: strongForwardResult, message: { type: "blackboard-strong-result", outcome: { ok: false, error: "unavailable", message: "" } }, verdict: "malformed" },
    { name: "blackboard-strong result: a negative slot", schema: strongForwardResult, message: { type: "blackboard-strong-result", outcome: { ok: true, result: { op: "write", slot: -1 } } }, verdict: "malformed" },
  ];
  for (const m of messages) agree(`message ${m.name}`, m.verdict, parses(m.schema, m.message));
  return {
    contexts: { entry: STRONG_ENTRY_CONTEXT, ack: STRONG_ACK_CONTEXT },
    namespace,
    replicas,
    majority: majority(replicas.length),
    homes,
    home: home.key.nodeId,
    acknowledger: replica.key.nodeId,
    log,
    refusedEntries,
    refusedAcks,
    messages: messages.map(({ schema: _s, ...m }) => m),
  };
}

export async function blackboardConsistencyVectors(o: { a: Party; b: Party; c: Party }): Promise<void> {
  write("blackboard/consistency.json", {
    about:
      "Blackboard consistency (docs/protocol.md §17.5, §17.7, §17.8), composite signatures with deterministic ML-DSA; session tokens with the Ed25519 half of the issuer's key. " +
      "`descriptors`: namespace descriptors signed by their creator `a`; `refused` ones fail at `stage` parse (the schema) or verify (with a's key). " +
      "`sessions`: a token `<base64url JCS claims>.<base64url signature>` issued by `a`; `refused` tokens fail at decode (with the message) or verify. " +
      "`strong`: each key's home (highest score), a key's log (op, result, the entry the home signs, the hash an acknowledgement names, the acknowledgement), refused entries and acknowledgements, and the messages' schemas: accepted or malformed.",
    a: party(o.a),
    b: party(o.b),
    c: party(o.c),
    descriptors: await descriptors(o.a, o.b, o.c),
    sessions: await sessionTokens(o.a, o.b),
    strong: await strong(o.a, o.b, o.c),
  });
}
