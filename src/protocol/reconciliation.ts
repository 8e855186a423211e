// Range-based set reconciliation, after Negentropy (Doug Hoyte, 2023, and Aljoscha Meyer's
// "Range-Based Set Reconciliation", 2022): both sides sort their entries by (HLC, id), and
// exchange fingerprints of ranges; ranges that match are done, ranges that differ are split or,
// once small, listed by id. The cost grows with the number of differences, not the set size.
//
// The initiator keeps the session; the responder answers each message from its current set and
// forgets it, so that it can run as a stateless edge function.
import { fromBase64url, toBase64url } from "./encoding/bytes.ts";

export interface ReconcileItem {
  /** 16 hex digits (see hlc.ts). */
  hlc: string;
  /** 64 hex digits: the entry hash. */
  id: string;
}

export interface ReconcileParams {
  /** How many sub-ranges a differing range splits into. */
  branching: number;
  /** A range with at most this many items is listed by id instead of split. */
  idListMax: number;
  /** Soft cap on one message; ranges past it wait for the next round trip. */
  frameBytes: number;
}

// Measured (docs/benchmarks.md): 40 ids cost about what 16 fingerprints do, and list a range in
// one round trip instead of two.
export const DEFAULT_RECONCILE: ReconcileParams = { branching: 16, idListMax: 40, frameBytes: 256 * 1024 };

/** Ids in id lists are cut to this many bytes: within one small range a clash is ~2^-64-unlikely. */
export const ID_PREFIX_BYTES = 8;
const PREFIX_HEX = ID_PREFIX_BYTES * 2;
const FINGERPRINT_BYTES = 16;
const HLC_HEX = 16;
const ID_HEX = 64;

export class ReconcileFormatError extends Error {
  override name = "ReconcileFormatError";
}

// Keys and bounds are hex strings: the HLC, then all (key) or a prefix (bound) of the id. Hex
// order is byte order, and a prefix sorts before what it prefixes, so plain string comparison
// orders both. INF sorts after every key.
const INF = "~";

type Range =
  | { upper: string; mode: "skip" }
  | { upper: string; mode: "fingerprint"; fingerprint: Uint8Array }
  | { upper: string; mode: "ids"; ids: string[] }
  /** The responder's answer to an id list: its ids the initiator lacks, and which of the initiator's it lacks. */
  | { upper: string; mode: "diff"; missing: string[]; lacks: boolean[] };

const MODES = ["skip", "fingerprint", "ids", "diff"] as const;

/** A sorted snapshot of one side's items, with prefix sums so that any range's fingerprint is O(1) to sum. */
export class ReconcileSet {
  private constructor(
    readonly keys: string[],
    private readonly sums: Uint32Array,
  ) {}

  static of(items: Iterable<ReconcileItem>): ReconcileSet {
    const keys = Array.from(items, (i) => i.hlc + i.id).sort();
    // 256-bit sums of the ids, as eight little-endian 32-bit limbs, accumulated item by item.
    const sums = new Uint32Array((keys.length + 1) * 8);
    for (let i = 0; i < keys.length; i++) {
      const id = keys[i]!.slice(HLC_HEX);
      let carry = 0;
      for (let w = 0; w < 8; w++) {
        // Limb w holds bytes 4w..4w+3 of the id, least significant first.
        let limb = 0;
        for (let b = 3; b >= 0; b--) limb = limb * 256 + parseInt(id.slice((w * 4 + b) * 2, (w * 4 + b) * 2 + 2), 16);
        const s = sums[i * 8 + w]! + limb + carry;
        sums[(i + 1) * 8 + w] = s >>> 0;
        carry = s > 0xffffffff ? 1 : 0;
      }
    }
    return new ReconcileSet(keys, sums);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Index of the first key at or after the bound. */
  indexOf(bound: string): number {
    if (bound === INF) return this.keys.length;
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < bound) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  idAt(i: number): string {
    return this.keys[i]!.slice(HLC_HEX);
  }

  /** SHA-256 of (sum of ids mod 2^256, little-endian) ‖ varint(count), cut to 16 bytes. */
  async fingerprint(from: number, to: number): Promise<Uint8Array> {
    const buf = new Uint8Array(32 + 10);
    const view = new DataView(buf.buffer);
    let borrow = 0;
    for (let w = 0; w < 8; w++) {
      const d = this.sums[to * 8 + w]! - this.sums[from * 8 + w]! - borrow;
      view.setUint32(w * 4, d >>> 0, true);
      borrow = d < 0 ? 1 : 0;
    }
    const len = writeVarint(buf, 32, BigInt(to - from));
    const digest = await crypto.subtle.digest("SHA-256", buf.subarray(0, len));
    return new Uint8Array(digest, 0, FINGERPRINT_BYTES);
  }
}

/** The shortest bound above `prev` and at or below `next` (both keys, prev < next). */
function separator(prev: string, next: string): string {
  let common = 0;
  while (prev[common] === next[common]) common++;
  if (common < HLC_HEX) return next.slice(0, HLC_HEX);
  // Whole bytes of the id, up to and including the first hex digit that differs.
  const idHex = common - HLC_HEX + 1;
  return next.slice(0, HLC_HEX + idHex + (idHex % 2));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** What the initiator learns: ids to send, and id prefixes to ask for. */
export interface Differences {
  /** Full ids the initiator holds and the responder lacks. */
  have: Set<string>;
  /** Id prefixes (ID_PREFIX_BYTES) the responder holds and the initiator lacks. */
  need: Set<string>;
}

async function split(set: ReconcileSet, from: number, to: number, upper: string, p: ReconcileParams): Promise<Range[]> {
  const n = to - from;
  if (n <= p.idListMax) {
    const ids: string[] = [];
    for (let i = from; i < to; i++) ids.push(set.idAt(i).slice(0, PREFIX_HEX));
    return [{ upper, mode: "ids", ids }];
  }
  const parts = Math.min(p.branching, n);
  const out: Range[] = [];
  for (let k = 0; k < parts; k++) {
    const start = from + Math.floor((k * n) / parts);
    const end = from + Math.floor(((k + 1) * n) / parts);
    const bound = k === parts - 1 ? upper : separator(set.keys[end - 1]!, set.keys[end]!);
    out.push({ upper: bound, mode: "fingerprint", fingerprint: await set.fingerprint(start, end) });
  }
  return out;
}

/** A range to send, with its lower bound: the initiator queues them, and frames them into messages. */
interface Pending {
  lower: string;
  range: Range;
}

/**
 * One side's answer to a message: the ranges it sends back, without the skips between them. The
 * initiator passes `found` and collects differences; the responder answers id lists with diffs,
 * and once past the frame size answers each remaining range with its own fingerprint. That
 * answer is always valid, costs no more than the question, and hands the split to the initiator,
 * who keeps every range it has yet to send: no work is dropped, so each round makes progress.
 */
async function answer(set: ReconcileSet, incoming: Range[], p: ReconcileParams, found?: Differences): Promise<Pending[]> {
  const out: Pending[] = [];
  let size = 0;
  let lower = "";
  for (const r of incoming) {
    const from = set.indexOf(lower);
    const to = set.indexOf(r.upper);
    const rangeLower = lower;
    lower = r.upper;
    if (r.mode === "skip") continue;
    if (r.mode === "diff") {
      if (!found) throw new ReconcileFormatError("only the initiator receives diffs");
      if (r.lacks.length !== to - from) throw new ReconcileFormatError("diff does not match the listed range");
      for (const m of r.missing) found.need.add(m);
      for (let i = from; i < to; i++) if (r.lacks[i - from]) found.have.add(set.idAt(i));
      continue;
    }
    let produced: Range[];
    if (!found && size > p.frameBytes) {
      produced = [{ upper: r.upper, mode: "fingerprint", fingerprint: await set.fingerprint(from, to) }];
    } else if (r.mode === "ids") {
      const mine = new Map<string, string>();
      for (let i = from; i < to; i++) mine.set(set.idAt(i).slice(0, PREFIX_HEX), set.idAt(i));
      const theirs = new Set(r.ids);
      if (found) {
        for (const [prefix, id] of mine) if (!theirs.has(prefix)) found.have.add(id);
        for (const t of theirs) if (!mine.has(t)) found.need.add(t);
        continue;
      }
      produced = [{ upper: r.upper, mode: "diff", missing: [...mine.keys()].filter((m) => !theirs.has(m)), lacks: r.ids.map((t) => !mine.has(t)) }];
    } else {
      if (sameBytes(await set.fingerprint(from, to), r.fingerprint)) continue;
      produced = await split(set, from, to, r.upper, p);
    }
    let prev = rangeLower;
    for (const range of produced) {
      out.push({ lower: prev, range });
      prev = range.upper;
      size += rangeSize(range);
    }
  }
  return out;
}

/** Puts pending ranges (ascending, disjoint) into one message, skips between them. */
function frame(pending: Pending[]): Range[] {
  const out: Range[] = [];
  let upper = "";
  for (const { lower, range } of pending) {
    if (lower !== upper) out.push({ upper: lower, mode: "skip" });
    out.push(range);
    upper = range.upper;
  }
  return out;
}

function rangeSize(r: Range): number {
  switch (r.mode) {
    case "skip":
      return 2;
    case "fingerprint":
      return 12 + FINGERPRINT_BYTES;
    case "ids":
      return 12 + r.ids.length * ID_PREFIX_BYTES;
    case "diff":
      return 12 + r.missing.length * ID_PREFIX_BYTES + r.lacks.length / 8;
  }
}

/** The initiator's side of one reconciliation: feed it the responder's replies until it returns undefined. */
export class ReconcileSession {
  readonly found: Differences = { have: new Set(), need: new Set() };
  /** Ranges still to send, in key order. */
  #pending: Pending[] = [];

  constructor(
    private readonly set: ReconcileSet,
    private readonly params: ReconcileParams = DEFAULT_RECONCILE,
  ) {}

  /** The first message: the whole set, split (or listed, when small). */
  async start(): Promise<string> {
    let lower = "";
    this.#pending = (await split(this.set, 0, this.set.size, INF, this.params)).map((range) => {
      const p = { lower, range };
      lower = range.upper;
      return p;
    });
    return this.#send()!;
  }

  /** The next message, or undefined when nothing is left to compare. */
  async next(reply: string): Promise<string | undefined> {
    const produced = await answer(this.set, decodeMessage(reply), this.params, this.found);
    // Ranges that were not sent yet and the new ones cover disjoint parts of the key space.
    this.#pending = [...this.#pending, ...produced].sort((a, b) => (a.lower < b.lower ? -1 : a.lower > b.lower ? 1 : 0));
    return this.#send();
  }

  #send(): string | undefined {
    if (this.#pending.length === 0) return undefined;
    let size = 0;
    let n = 0;
    while (n < this.#pending.length && (n === 0 || size + rangeSize(this.#pending[n]!.range) <= this.params.frameBytes)) {
      size += rangeSize(this.#pending[n]!.range);
      n++;
    }
    const sent = this.#pending.slice(0, n);
    this.#pending = this.#pending.slice(n);
    return encodeMessage(frame(sent));
  }
}

/** The responder's side: a stateless answer to one message from its current set. */
export async function respond(set: ReconcileSet, message: string, params: ReconcileParams = DEFAULT_RECONCILE): Promise<string> {
  return encodeMessage(frame(await answer(set, decodeMessage(message), params)));
}

// --- Wire form: base64url of a compact binary message, so fingerprints and ids cost their
// bytes and not their hex. Layout (all integers unsigned LEB128 varints):
//   message := version(=1) range*           (ranges after the last one listed are skipped)
//   range   := bound mode payload
//   bound   := 0                                      (infinity)
//            | wallDelta+1 counter prefixLen prefix   (HLC wall ms minus the previous bound's; id prefix bytes)
//   mode    := 0 skip | 1 fingerprint(16 bytes) | 2 ids: count, count × 8 bytes
//            | 3 diff: count, count × 8 bytes, lacksCount, ceil(lacksCount / 8) bytes of bits

const VERSION = 1;

function writeVarint(buf: Uint8Array, at: number, value: bigint): number {
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    buf[at++] = byte;
  } while (v > 0n);
  return at;
}

class Writer {
  private buf = new Uint8Array(256);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  varint(v: number | bigint): void {
    this.room(10);
    this.at = writeVarint(this.buf, this.at, BigInt(v));
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  hex(h: string): void {
    this.bytes(hexBytes(h));
  }

  done(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Uint8Array) {}

  get more(): boolean {
    return this.at < this.buf.length;
  }

  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buf[this.at++];
      if (byte === undefined) throw new ReconcileFormatError("truncated varint");
      v |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return v;
    }
    throw new ReconcileFormatError("varint too long");
  }

  count(max: number): number {
    const v = this.varint();
    if (v > BigInt(max)) throw new ReconcileFormatError("count out of range");
    return Number(v);
  }

  bytes(n: number): Uint8Array {
    if (this.at + n > this.buf.length) throw new ReconcileFormatError("truncated message");
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }

  hex(n: number): string {
    return bytesHex(this.bytes(n));
  }
}

function hexBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bytesHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

const MAX_WALL = 2 ** 48 - 1;
const MAX_COUNTER = 0xffff;

export function encodeMessage(ranges: Range[]): string {
  const w = new Writer();
  w.varint(VERSION);
  let end = ranges.length;
  while (end > 0 && ranges[end - 1]!.mode === "skip") end--;
  let prevWall = 0;
  for (const r of ranges.slice(0, end)) {
    if (r.upper === INF) w.varint(0);
    else {
      const wall = parseInt(r.upper.slice(0, 12), 16);
      w.varint(wall - prevWall + 1);
      w.varint(parseInt(r.upper.slice(12, HLC_HEX), 16));
      prevWall = wall;
      const prefix = r.upper.slice(HLC_HEX);
      w.varint(prefix.length / 2);
      w.hex(prefix);
    }
    w.varint(MODES.indexOf(r.mode));
    if (r.mode === "fingerprint") w.bytes(r.fingerprint);
    else if (r.mode === "ids") {
      w.varint(r.ids.length);
      for (const id of r.ids) w.hex(id);
    } else if (r.mode === "diff") {
      w.varint(r.missing.length);
      for (const id of r.missing) w.hex(id);
      w.varint(r.lacks.length);
      const bits = new Uint8Array(Math.ceil(r.lacks.length / 8));
      r.lacks.forEach((l, i) => {
        if (l) bits[i >> 3]! |= 1 << (i & 7);
      });
      w.bytes(bits);
    }
  }
  return toBase64url(w.done());
}

/** Parses a message, refusing anything malformed: unknown modes, bounds that do not ascend, truncation. */
export function decodeMessage(text: string): Range[] {
  let buf: Uint8Array;
  try {
    buf = fromBase64url(text);
  } catch {
    throw new ReconcileFormatError("not base64url");
  }
  const r = new Reader(buf);
  if (r.varint() !== BigInt(VERSION)) throw new ReconcileFormatError("unknown reconciliation version");
  const ranges: Range[] = [];
  let prevWall = 0;
  let prevBound = "";
  while (r.more) {
    if (prevBound === INF) throw new ReconcileFormatError("range after infinity");
    const tag = r.varint();
    let upper = INF;
    if (tag !== 0n) {
      const wall = prevWall + Number(tag) - 1;
      const counter = r.count(MAX_COUNTER);
      if (wall > MAX_WALL) throw new ReconcileFormatError("bound out of range");
      prevWall = wall;
      upper = wall.toString(16).padStart(12, "0") + counter.toString(16).padStart(4, "0") + r.hex(r.count(ID_HEX / 2));
    }
    if (upper <= prevBound) throw new ReconcileFormatError("bounds must ascend");
    prevBound = upper;
    const mode = MODES[r.count(MODES.length - 1)]!;
    if (mode === "skip") ranges.push({ upper, mode });
    else if (mode === "fingerprint") ranges.push({ upper, mode, fingerprint: r.bytes(FINGERPRINT_BYTES) });
    else if (mode === "ids") {
      const n = r.count(buf.length);
      ranges.push({ upper, mode, ids: Array.from({ length: n }, () => r.hex(ID_PREFIX_BYTES)) });
    } else {
      const n = r.count(buf.length);
      const missing = Array.from({ length: n }, () => r.hex(ID_PREFIX_BYTES));
      const m = r.count(buf.length * 8);
      const bits = r.bytes(Math.ceil(m / 8));
      ranges.push({ upper, mode, missing, lacks: Array.from({ length: m }, (_, i) => (bits[i >> 3]! & (1 << (i & 7))) !== 0) });
    }
  }
  return ranges;
}
