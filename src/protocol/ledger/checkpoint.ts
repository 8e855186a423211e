// A ledger checkpoint (protocol §8.8): one node's composite signature over the Merkle root
// (merkle.ts) of records it made with one peer under the checkpoint suite, chained per peer by
// `seq` and `prev` as Certificate Transparency chains signed tree heads. Each leaf is the content
// both parties agree on, JCS({intent, receipt}), without signatures, so the consumer's and the
// provider's leaves of one record are the same bytes.
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { z } from "zod";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { sha256Hex } from "../encoding/hash.ts";
import { nodeId } from "../identity/node-id.ts";
import type { EntrySigner } from "../identity/signer.ts";
import { inclusionPath, leafHash, treeHash, verifyInclusion } from "./merkle.ts";
import { PROTOCOL, type Intent, type Receipt } from "./record.ts";
import type { LedgerVerifier } from "./signing.ts";

export const CHECKPOINT_CONTEXT = "mcpfed/1 ledger-checkpoint";
/** Leaves one checkpoint may cover; a node makes one every CHECKPOINT_EVERY records or sooner. */
export const MAX_CHECKPOINT_LEAVES = 256;
export const CHECKPOINT_EVERY = 64;

const hex32 = z.string().regex(/^[0-9a-f]{64}$/);

export const PROTOCOL_CHECKPOINT = "ledger-checkpoint";

export const checkpointBody = z
  .strictObject({
    v: z.literal(PROTOCOL),
    type: z.literal(PROTOCOL_CHECKPOINT),
    /** The node that signs: a party to every record covered. */
    signer: nodeId,
    /** The other party of every record covered. */
    peer: nodeId,
    /** 0, 1, 2 … per (signer, peer). */
    seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** checkpointHash of the signer's checkpoint seq − 1 for this peer; null for seq 0. */
    prev: hex32.nullable(),
    size: z.number().int().min(1).max(MAX_CHECKPOINT_LEAVES),
    /** RFC 9162 tree hash of the leaves, hex. */
    root: hex32,
    /** Unix seconds, the signer's clock. */
    at: z.number().int().min(0).max(2 ** 40),
  })
  .refine((c) => (c.seq === 0) === (c.prev === null), { message: "prev is null exactly for seq 0" })
  .refine((c) => c.signer !== c.peer, { message: "a node makes no checkpoint with itself" });
export type CheckpointBody = z.infer<typeof checkpointBody>;

export const signedCheckpoint = z.strictObject({ checkpoint: checkpointBody, sig: z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/, "base64url") });
export type SignedCheckpoint = z.infer<typeof signedCheckpoint>;

export const checkpointBytes = (body: CheckpointBody) => utf8(canonicalJson(body));

/** Hex SHA-256 of the signed checkpoint's JCS: what the next checkpoint's `prev` names. */
export const checkpointHash = (c: SignedCheckpoint) => sha256Hex(canonicalJson(c));

/** The leaf data of a record: JCS({intent, receipt}), the same bytes on both sides. */
export const leafData = (r: { intent: Intent; receipt: Receipt }) => utf8(canonicalJson({ intent: r.intent, receipt: r.receipt }));
export const recordLeaf = (r: { intent: Intent; receipt: Receipt }) => leafHash(leafData(r));

export const rootOf = (leaves: readonly Uint8Array[]) => bytesToHex(treeHash(leaves));

/** The inclusion path of leaf `index`, hex, for a proof a third party checks (proof.ts). */
export const pathOf = (leaves: readonly Uint8Array[], index: number) => inclusionPath(leaves, index).map(bytesToHex);

/** Does the hex `path` lead from this record's leaf at `index` to the checkpoint's root? */
export function includes(body: CheckpointBody, r: { intent: Intent; receipt: Receipt }, index: number, path: readonly string[]): boolean {
  if (!path.every((p) => /^[0-9a-f]{64}$/.test(p))) return false;
  return verifyInclusion(recordLeaf(r), index, body.size, path.map(hexToBytes), hexToBytes(body.root));
}

export async function signCheckpoint(signer: EntrySigner, body: CheckpointBody): Promise<SignedCheckpoint> {
  if (body.signer !== signer.nodeId) throw new Error(`cannot sign a checkpoint for ${body.signer} as ${signer.nodeId}`);
  const checked = checkpointBody.parse(body);
  return { checkpoint: checked, sig: toBase64url(await signer.sign(checkpointBytes(checked), CHECKPOINT_CONTEXT)) };
}

export type CheckpointVerdict = "valid" | "malformed" | "unknown_node" | "bad_checkpoint_signature";

/** The composite signature of the checkpoint's signer, over its JCS body. */
export async function verifyCheckpoint(verifier: LedgerVerifier, input: unknown): Promise<{ verdict: "valid"; checkpoint: SignedCheckpoint } | { verdict: Exclude<CheckpointVerdict, "valid"> }> {
  const parsed = signedCheckpoint.safeParse(input);
  if (!parsed.success) return { verdict: "malformed" };
  const key = await verifier.keyOf(parsed.data.checkpoint.signer);
  if (!key) return { verdict: "unknown_node" };
  let ok: boolean;
  try {
    ok = await key.verify(checkpointBytes(parsed.data.checkpoint), fromBase64url(parsed.data.sig), CHECKPOINT_CONTEXT);
  } catch {
    ok = false;
  }
  return ok ? { verdict: "valid", checkpoint: parsed.data } : { verdict: "bad_checkpoint_signature" };
}
