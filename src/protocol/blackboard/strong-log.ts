// Strong consistency on the blackboard: one primary per key (its home, home.ts) orders every
// operation on the key and appends each write to the key's log; an entry commits once a majority
// of the replicas has stored it and signed an acknowledgement (quorum.ts). This is Viewstamped
// Replication's normal case (Oki and Liskov, 1988; Liskov and Cowling, 2012) — equally Multi-Paxos
// with a fixed, never-replaced leader and one decree per slot — without view change: there is no
// failover, so while the home is unreachable the key answers `unavailable`.
//
// Each entry carries the key's whole value after it, not the operation, so a replica that missed
// entries needs only the latest, and the log compacts to its last entry.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { z } from "zod";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { nodeId } from "../identity/node-id.ts";
import type { EntrySigner, OriginKey } from "../identity/signer.ts";
import { hlcString } from "../registry/hlc.ts";
import { blackboardKey, namespaceName } from "./delta.ts";
import { MAX_VALUE_BYTES } from "./limits.ts";

/** Domain separation: an entry's and an acknowledgement's signatures pass for nothing else. */
export const STRONG_ENTRY_CONTEXT = "mcpfed/1 blackboard-strong-entry";
export const STRONG_ACK_CONTEXT = "mcpfed/1 blackboard-strong-ack";

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, "base64url");
const value = z.json().refine((v) => utf8(canonicalJson(v)).length <= MAX_VALUE_BYTES, `a value is at most ${MAX_VALUE_BYTES} bytes`);

/** Slot n of a key's log, written by its home at `hlc`: the value after it, absent once deleted. */
export const unsignedStrongEntry = z.strictObject({
  namespace: namespaceName,
  key: blackboardKey,
  slot: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  hlc: hlcString,
  home: nodeId,
  value: value.optional(),
});
export const strongEntry = unsignedStrongEntry.extend({ sig: base64url }).strict();
export type UnsignedStrongEntry = z.infer<typeof unsignedStrongEntry>;
export type StrongEntry = z.infer<typeof strongEntry>;

/** A replica's signed word that it stored the entry of hash `entry`. */
export const unsignedStrongAck = z.strictObject({
  namespace: namespaceName,
  key: blackboardKey,
  slot: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  entry: z.string().regex(/^[0-9a-f]{64}$/, "hex SHA-256"),
  replica: nodeId,
});
export const strongAck = unsignedStrongAck.extend({ sig: base64url }).strict();
export type StrongAck = z.infer<typeof strongAck>;

const entryBytes = (e: UnsignedStrongEntry) => {
  const { namespace, key, slot, hlc, home } = e;
  return utf8(canonicalJson("value" in e && e.value !== undefined ? { namespace, key, slot, hlc, home, value: e.value } : { namespace, key, slot, hlc, home }));
};
const ackBytes = (a: z.infer<typeof unsignedStrongAck>) => utf8(canonicalJson({ namespace: a.namespace, key: a.key, slot: a.slot, entry: a.entry, replica: a.replica }));

/** Hex SHA-256 of the entry's signed form (its signature included): what an acknowledgement names. */
export function entryHash(e: StrongEntry): string {
  return bytesToHex(sha256(utf8(canonicalJson({ entry: new TextDecoder().decode(entryBytes(e)), sig: e.sig }))));
}

export async function signStrongEntry(e: UnsignedStrongEntry, signer: EntrySigner): Promise<StrongEntry> {
  const parsed = unsignedStrongEntry.parse(e);
  if (parsed.home !== signer.nodeId) throw new RangeError(`cannot sign for ${parsed.home} as ${signer.nodeId}`);
  return { ...parsed, sig: toBase64url(await signer.sign(entryBytes(parsed), STRONG_ENTRY_CONTEXT)) };
}

export async function signStrongAck(e: StrongEntry, signer: EntrySigner): Promise<StrongAck> {
  const unsigned = { namespace: e.namespace, key: e.key, slot: e.slot, entry: entryHash(e), replica: signer.nodeId };
  return { ...unsigned, sig: toBase64url(await signer.sign(ackBytes(unsigned), STRONG_ACK_CONTEXT)) };
}

async function verified(key: OriginKey | undefined, bytes: Uint8Array, sig: string, context: string): Promise<boolean> {
  if (!key) return false;
  try {
    return await key.verify(bytes, fromBase64url(sig), context);
  } catch {
    return false;
  }
}

export const verifyStrongEntry = (e: StrongEntry, homeKey: OriginKey | undefined) => verified(homeKey, entryBytes(e), e.sig, STRONG_ENTRY_CONTEXT);

/** Whether `a` acknowledges exactly `e`, signed by the replica it names. */
export async function verifyStrongAck(a: StrongAck, e: StrongEntry, replicaKey: OriginKey | undefined): Promise<boolean> {
  if (a.namespace !== e.namespace || a.key !== e.key || a.slot !== e.slot || a.entry !== entryHash(e)) return false;
  return verified(replicaKey, ackBytes(a), a.sig, STRONG_ACK_CONTEXT);
}

/**
 * Whether a replica holding `stored` takes `incoming` in its place. A later slot wins; in one slot
 * the later HLC wins, because the home writes a slot again after an attempt that reached no
 * majority (that attempt was never committed, answered or read). A late copy of the old attempt
 * never replaces the new one.
 */
export function supersedes(incoming: Pick<StrongEntry, "slot" | "hlc">, stored: Pick<StrongEntry, "slot" | "hlc"> | undefined): boolean {
  if (!stored) return true;
  return incoming.slot > stored.slot || (incoming.slot === stored.slot && incoming.hlc > stored.hlc);
}

/** What a client asks of a key under strong consistency: a register, with compare-and-set. */
export const strongOp = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("read") }),
  z.strictObject({ op: z.literal("write"), value }),
  z.strictObject({ op: z.literal("delete") }),
  // `expected: null` asks that the key hold no value.
  z.strictObject({ op: z.literal("cas"), expected: z.strictObject({ value }).nullable(), value }),
]);
export type StrongOp = z.infer<typeof strongOp>;

export type StrongResult = { op: "read"; value?: z.infer<typeof value>; slot: number } | { op: "write"; slot: number } | { op: "delete"; slot: number } | { op: "cas"; ok: boolean; slot: number };

/** The key's committed state at its home: slot 0 and no value before the first write. */
export interface CommittedValue {
  slot: number;
  value?: unknown;
}

/**
 * An operation on the committed state: its answer, and the value a new entry must carry when it
 * writes (undefined when it writes nothing: a read, a failed compare-and-set).
 */
export function decide(current: CommittedValue, op: StrongOp): { result: StrongResult; write?: { value?: unknown } } {
  const next = current.slot + 1;
  switch (op.op) {
    case "read":
      return { result: "value" in current && current.value !== undefined ? { op: "read", value: current.value as never, slot: current.slot } : { op: "read", slot: current.slot } };
    case "write":
      return { result: { op: "write", slot: next }, write: { value: op.value } };
    case "delete":
      return { result: { op: "delete", slot: next }, write: {} };
    case "cas": {
      const held = current.value !== undefined;
      const matches = op.expected === null ? !held : held && canonicalJson(current.value) === canonicalJson(op.expected.value);
      return matches ? { result: { op: "cas", ok: true, slot: next }, write: { value: op.value } } : { result: { op: "cas", ok: false, slot: current.slot } };
    }
  }
}
