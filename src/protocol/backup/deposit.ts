// Backups held by peers (docs/protocol.md §19.2): a node deposits its sealed backup file (§19.1)
// at peers it trusts with `backup-deposit`, and fetches its newest copy back with `backup-fetch`
// when it has lost everything but its NODE_SEED. A holder keeps ciphertext it cannot open; the
// deposit statement binds the file's hash, size and sequence number to the depositor and to this
// holder, so a copy cannot be replayed at another holder or rolled back at this one.
import { z } from "zod";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { BackupError } from "./file.ts";
import { verifyBackupSignature } from "./open.ts";

/** The deposit statement's signing context: its version is the statement's. */
export const DEPOSIT_SIGNING_CONTEXT = "mcpfed/backup-deposit/v1";
/**
 * The largest part one message carries: its base64url, inside an envelope, stays under a
 * federation request's and answer's 1 MiB bound. A larger file travels in parts, in order.
 */
export const DEPOSIT_PART_BYTES = 640 * 1024;
/** The largest file a deposit statement may state (BACKUP_HOLD_MAX_BYTES's own bound). */
export const MAX_DEPOSIT_BYTES = 64 * 1024 * 1024;
/** The copies a holder keeps per depositor by default (BACKUP_HOLD_COPIES). */
export const DEFAULT_HELD_COPIES = 2;

const base64url = (max: number) => z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url").max(max);
const b64Chars = (bytes: number) => Math.ceil((bytes * 4) / 3);
const nodeId = z.string().min(1).max(128);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** What the depositor signs: the file by its hash and size, under a sequence number, for one holder. */
export const depositStatement = z.strictObject({
  depositor: nodeId,
  holder: nodeId,
  /** Strictly increasing per depositor at a holder: the depositor's clock in milliseconds. */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  bytes: z.number().int().min(1).max(MAX_DEPOSIT_BYTES),
  /** Hex SHA-256 of the file. */
  sha256: hex64,
});
export type DepositStatement = z.infer<typeof depositStatement>;

const offset = z.number().int().min(0).max(MAX_DEPOSIT_BYTES - 1);

/** The signed deposit as it travels: the statement's fields and the file, or one part of it. */
export const heldCopy = z.strictObject({
  seq: depositStatement.shape.seq,
  bytes: depositStatement.shape.bytes,
  /** The backup file (§19.1), or the part of it that starts at `offset`, base64url. */
  file: base64url(b64Chars(DEPOSIT_PART_BYTES)),
  /** The depositor's composite signature over the statement, base64url. */
  signature: base64url(8192),
});
export type HeldCopy = z.infer<typeof heldCopy>;

/** Depositor → holder: keep this copy of my backup (or this part of it: `offset` is where it starts, 0 if absent). */
export const backupDepositRequest = z.strictObject({
  type: z.literal("backup-deposit"),
  holder: nodeId,
  ...heldCopy.shape,
  offset: offset.optional(),
});
export type BackupDepositRequest = z.infer<typeof backupDepositRequest>;

/** The holder staged a part that is not the last: it has the file's first `received` bytes. */
export const backupDepositPartResult = z.strictObject({
  type: z.literal("backup-deposit-part"),
  seq: depositStatement.shape.seq,
  received: z.number().int().min(1),
});
export type BackupDepositPartResult = z.infer<typeof backupDepositPartResult>;

/** The holder kept it: how many copies and bytes it now holds for the depositor. */
export const backupDepositResult = z.strictObject({
  type: z.literal("backup-deposit"),
  seq: depositStatement.shape.seq,
  copies: z.number().int().min(1),
  heldBytes: z.number().int().min(1),
});
export type BackupDepositResult = z.infer<typeof backupDepositResult>;

/** Depositor → holder: my newest copy, from `offset` (0 if absent). Only the depositor's own envelope or channel asks. */
export const backupFetchRequest = z.strictObject({ type: z.literal("backup-fetch"), offset: offset.optional() });
export type BackupFetchRequest = z.infer<typeof backupFetchRequest>;

export const backupFetchResult = z.strictObject({
  type: z.literal("backup-fetch"),
  /** The depositor's id as the holder knows it: the copy is checked against it. */
  depositor: nodeId,
  /** The holder's id, as signed in the statement. */
  holder: nodeId,
  copy: heldCopy,
  /** Seconds since the epoch when the holder took the copy. */
  received: z.number().int().min(0),
  /** Where `copy.file` starts in the file, when that is not at 0. */
  offset: offset.min(1).optional(),
});
export type BackupFetchResult = z.infer<typeof backupFetchResult>;

/** Why a holder refuses a deposit or a fetch, sent as the sealed answer's error code. */
export type DepositRefusal =
  /** The holder holds no backups (BACKUP_HOLD_MAX_BYTES is 0). */
  | "not_holding"
  /** The message or the file is not well formed, or the size stated is not the file's. */
  | "bad_deposit"
  /** The statement's signature is not the depositor's, or the file is not signed by its key. */
  | "bad_signature"
  /** Above the holder's BACKUP_HOLD_MAX_BYTES per depositor. */
  | "deposit_too_large"
  /** A sequence number not above the newest the holder keeps for the depositor. */
  | "stale_sequence"
  /** Nothing is held for the asker. */
  | "no_deposit";

export class DepositError extends Error {
  override name = "DepositError";
  constructor(
    readonly reason: DepositRefusal,
    message: string,
  ) {
    super(message);
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(d, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** The bytes the depositor signs: the statement's canonical JSON. */
export function statementSigningInput(s: DepositStatement): Uint8Array {
  return utf8(canonicalJson(s));
}

/** The statement for a file: what both sides compute from the bytes themselves. */
export async function statementOf(file: Uint8Array, o: { depositor: string; holder: string; seq: number }): Promise<DepositStatement> {
  return { depositor: o.depositor, holder: o.holder, seq: o.seq, bytes: file.length, sha256: await sha256Hex(file) };
}

/** The deposit message for a file, signed by the depositor. */
export async function signDeposit(
  file: Uint8Array,
  o: { depositor: string; holder: string; seq: number; sign(message: Uint8Array, context: string): Promise<Uint8Array> },
): Promise<BackupDepositRequest> {
  return (await signDepositParts(file, o))[0]!;
}

/**
 * The deposit messages for a file, in order: one when it fits a message, else one per part of
 * DEPOSIT_PART_BYTES, each with the same statement signature and the offset it starts at.
 */
export async function signDepositParts(
  file: Uint8Array,
  o: { depositor: string; holder: string; seq: number; sign(message: Uint8Array, context: string): Promise<Uint8Array> },
): Promise<BackupDepositRequest[]> {
  if (file.length > MAX_DEPOSIT_BYTES) throw new DepositError("deposit_too_large", `the backup is ${file.length} bytes; a deposit states at most ${MAX_DEPOSIT_BYTES}`);
  const statement = await statementOf(file, o);
  const signature = toBase64url(await o.sign(statementSigningInput(statement), DEPOSIT_SIGNING_CONTEXT));
  const base = { type: "backup-deposit" as const, holder: o.holder, seq: o.seq, bytes: file.length, signature };
  if (file.length <= DEPOSIT_PART_BYTES) return [{ ...base, file: toBase64url(file) }];
  const parts: BackupDepositRequest[] = [];
  for (let at = 0; at < file.length; at += DEPOSIT_PART_BYTES) parts.push({ ...base, file: toBase64url(file.subarray(at, at + DEPOSIT_PART_BYTES)), offset: at });
  return parts;
}

export type Verify = (signature: Uint8Array, message: Uint8Array, context: string) => Promise<boolean>;

/**
 * Checks a copy, in order, before anything is kept or restored: the file's bytes and stated size,
 * the statement's signature by the depositor's key for this holder, and that the file is a backup
 * of the depositor's whose own signature (§19.1) holds under the same key. Returns the file.
 */
export async function verifyCopy(copy: HeldCopy, o: { depositor: string; holder: string; verify: Verify }): Promise<Uint8Array> {
  return verifyFile(decodePart(copy.file), copy, o);
}

/** A part's bytes from its base64url, or a `bad_deposit` refusal. */
export function decodePart(b64: string): Uint8Array {
  try {
    return fromBase64url(b64);
  } catch {
    throw new DepositError("bad_deposit", "the file is not base64url");
  }
}

/**
 * Where the part `partBytes` long that starts at `offset` may sit in a file of `bytes`: every part
 * but the last is DEPOSIT_PART_BYTES long, so parts start at its multiples. Returns whether it is the last.
 */
export function checkPart(offset: number, partBytes: number, bytes: number): { last: boolean } {
  const last = offset + partBytes === bytes;
  if (offset % DEPOSIT_PART_BYTES !== 0 || offset + partBytes > bytes || partBytes === 0 || (!last && partBytes !== DEPOSIT_PART_BYTES)) {
    throw new DepositError("bad_deposit", `a part of ${partBytes} bytes at ${offset} does not fit a file of ${bytes} in parts of ${DEPOSIT_PART_BYTES}`);
  }
  return { last };
}

/** verifyCopy for a file already put together from its parts. */
export async function verifyFile(file: Uint8Array, copy: Pick<HeldCopy, "seq" | "bytes" | "signature">, o: { depositor: string; holder: string; verify: Verify }): Promise<Uint8Array> {
  if (file.length !== copy.bytes) throw new DepositError("bad_deposit", `the file is ${file.length} bytes, not the ${copy.bytes} stated`);
  let signature: Uint8Array;
  try {
    signature = fromBase64url(copy.signature);
  } catch {
    throw new DepositError("bad_deposit", "the signature is not base64url");
  }
  const statement = await statementOf(file, { depositor: o.depositor, holder: o.holder, seq: copy.seq });
  if (!(await o.verify(signature, statementSigningInput(statement), DEPOSIT_SIGNING_CONTEXT))) {
    throw new DepositError("bad_signature", `the deposit statement is not signed by ${o.depositor} for holder ${o.holder}`);
  }
  let header;
  try {
    header = await verifyBackupSignature(file, o.verify);
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    throw new DepositError(err.reason === "bad_signature" ? "bad_signature" : "bad_deposit", `the file: ${err.message}`);
  }
  if (header.nodeId !== o.depositor) throw new DepositError("bad_deposit", `the backup is node ${header.nodeId}'s, not the depositor's`);
  return file;
}
