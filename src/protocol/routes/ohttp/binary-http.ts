// Binary HTTP messages (RFC 9292), known-length form only: the content of an Oblivious HTTP
// request or response. Every length is checked against what is left and against a bound before
// anything is copied, so a hostile message costs at most its own size.
import { concat, utf8 } from "../../encoding/bytes.ts";
import { PaddingError } from "./padding.ts";

export class BinaryHttpError extends Error {
  override name = "BinaryHttpError";
}

/** Field lines one section may hold, and the bytes of one section: far above this protocol's needs. */
export const MAX_FIELD_LINES = 64;
export const MAX_FIELD_SECTION_BYTES = 16 * 1024;
/** Informational (1xx) responses a response may carry before its final one. */
const MAX_INFORMATIONAL = 8;
const REQUEST_FRAMING = 0;
const RESPONSE_FRAMING = 1;

export type FieldLines = readonly (readonly [name: string, value: string])[];

export interface BinaryRequest {
  method: string;
  scheme: string;
  authority: string;
  path: string;
  headers: FieldLines;
  content: Uint8Array;
}

export interface BinaryResponse {
  status: number;
  headers: FieldLines;
  content: Uint8Array;
}

// QUIC variable-length integers (RFC 9000 §16): the two top bits say 1, 2, 4 or 8 bytes.
function varint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new BinaryHttpError(`cannot encode ${n} as a varint`);
  if (n < 0x40) return Uint8Array.of(n);
  if (n < 0x4000) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  if (n < 0x40000000) return Uint8Array.of(0x80 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n) | (3n << 62n));
  return out;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// A field value: visible ASCII and Latin-1, spaces and tabs inside, no controls (RFC 9110 §5.5).
const VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\x20-\x7e\x80-\xff\t]*[\x21-\x7e\x80-\xff])?)?$/;

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concat(varint(bytes.length), bytes);
}

function fieldSection(lines: FieldLines): Uint8Array {
  if (lines.length > MAX_FIELD_LINES) throw new BinaryHttpError(`more than ${MAX_FIELD_LINES} field lines`);
  const body = concat(
    ...lines.map(([name, value]) => {
      if (!TOKEN.test(name)) throw new BinaryHttpError(`field name ${JSON.stringify(name)} is not a lowercase token`);
      if (!VALUE.test(value)) throw new BinaryHttpError(`field ${name} has a value that is not allowed`);
      return concat(lengthPrefixed(utf8(name)), lengthPrefixed(latin1(value)));
    }),
  );
  if (body.length > MAX_FIELD_SECTION_BYTES) throw new BinaryHttpError(`a field section over ${MAX_FIELD_SECTION_BYTES} bytes`);
  return lengthPrefixed(body);
}

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const fromLatin1 = (b: Uint8Array) => String.fromCharCode(...b);

/** The known-length request, with an empty trailer section and no padding. */
export function encodeRequest(r: BinaryRequest): Uint8Array {
  if (!METHOD.test(r.method)) throw new BinaryHttpError("the method is not a token");
  if (!/^[a-z][a-z0-9+.-]*$/.test(r.scheme)) throw new BinaryHttpError("the scheme is not a scheme");
  if (!r.path.startsWith("/") || !VALUE.test(r.path) || /\s/.test(r.path)) throw new BinaryHttpError("the path must be an absolute path");
  if (!VALUE.test(r.authority) || /\s/.test(r.authority)) throw new BinaryHttpError("the authority is not allowed");
  return concat(
    varint(REQUEST_FRAMING),
    lengthPrefixed(utf8(r.method)),
    lengthPrefixed(utf8(r.scheme)),
    lengthPrefixed(latin1(r.authority)),
    lengthPrefixed(latin1(r.path)),
    fieldSection(r.headers),
    lengthPrefixed(r.content),
    fieldSection([]),
  );
}

/** The known-length response, with no informational responses, an empty trailer section and no padding. */
export function encodeResponse(r: BinaryResponse): Uint8Array {
  if (!Number.isInteger(r.status) || r.status < 200 || r.status > 599) throw new BinaryHttpError("a final status is 200 to 599");
  return concat(varint(RESPONSE_FRAMING), varint(r.status), fieldSection(r.headers), lengthPrefixed(r.content), fieldSection([]));
}

class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  varint(): number {
    const first = this.byte();
    const length = 1 << (first >> 6);
    let n = first & 0x3f;
    for (let i = 1; i < length; i++) n = n * 256 + this.byte();
    if (!Number.isSafeInteger(n)) throw new BinaryHttpError("a varint too large");
    return n;
  }

  take(length: number, max: number, what: string): Uint8Array {
    if (length > max) throw new BinaryHttpError(`${what} over ${max} bytes`);
    if (this.at + length > this.bytes.length) throw new BinaryHttpError(`${what} runs past the end of the message`);
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }

  prefixed(max: number, what: string): Uint8Array {
    return this.take(this.varint(), max, what);
  }

  /** RFC 9292 §3.8: a message may end early where what follows is empty. */
  section(max: number, what: string): Uint8Array {
    return this.done ? new Uint8Array(0) : this.prefixed(max, what);
  }

  /** Whatever follows the message is padding, and padding is zeros (§3.8): protocol §13.3.1's typed refusal. */
  end(): void {
    for (; this.at < this.bytes.length; this.at++) if (this.bytes[this.at] !== 0) throw new PaddingError("bad_padding", "bytes after the message that are not padding");
  }

  private byte(): number {
    if (this.at >= this.bytes.length) throw new BinaryHttpError("the message ends inside a varint");
    return this.bytes[this.at++]!;
  }
}

function readFields(section: Uint8Array): [string, string][] {
  const r = new Reader(section);
  const lines: [string, string][] = [];
  while (!r.done) {
    if (lines.length === MAX_FIELD_LINES) throw new BinaryHttpError(`more than ${MAX_FIELD_LINES} field lines`);
    const name = fromLatin1(r.prefixed(256, "a field name"));
    const value = fromLatin1(r.prefixed(MAX_FIELD_SECTION_BYTES, "a field value"));
    if (!TOKEN.test(name)) throw new BinaryHttpError("a field name that is not a lowercase token");
    if (!VALUE.test(value)) throw new BinaryHttpError(`field ${name} has a value that is not allowed`);
    lines.push([name, value]);
  }
  return lines;
}

const text = (b: Uint8Array) => fromLatin1(b);

export function decodeRequest(bytes: Uint8Array, maxContent: number): BinaryRequest {
  const r = new Reader(bytes);
  const framing = r.varint();
  if (framing !== REQUEST_FRAMING) throw new BinaryHttpError(framing === 2 ? "indeterminate-length messages are not accepted" : "not a known-length request");
  const method = text(r.prefixed(64, "the method"));
  const scheme = text(r.prefixed(64, "the scheme"));
  const authority = text(r.prefixed(1024, "the authority"));
  const path = text(r.prefixed(4096, "the path"));
  if (!METHOD.test(method)) throw new BinaryHttpError("the method is not a token");
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new BinaryHttpError("the scheme is not a scheme");
  if (!path.startsWith("/") || !VALUE.test(path) || /\s/.test(path)) throw new BinaryHttpError("the path must be an absolute path");
  if (!VALUE.test(authority) || /\s/.test(authority)) throw new BinaryHttpError("the authority is not allowed");
  const headers = readFields(r.section(MAX_FIELD_SECTION_BYTES, "the header section"));
  const content = r.section(maxContent, "the content").slice();
  readFields(r.section(MAX_FIELD_SECTION_BYTES, "the trailer section"));
  r.end();
  return { method, scheme, authority, path, headers, content };
}

export function decodeResponse(bytes: Uint8Array, maxContent: number): BinaryResponse {
  const r = new Reader(bytes);
  const framing = r.varint();
  if (framing !== RESPONSE_FRAMING) throw new BinaryHttpError(framing === 3 ? "indeterminate-length messages are not accepted" : "not a known-length response");
  let status = r.varint();
  // Informational responses come first, each with its own fields: read past them.
  for (let seen = 0; status >= 100 && status < 200; seen++) {
    if (seen === MAX_INFORMATIONAL) throw new BinaryHttpError(`more than ${MAX_INFORMATIONAL} informational responses`);
    readFields(r.prefixed(MAX_FIELD_SECTION_BYTES, "an informational field section"));
    status = r.varint();
  }
  if (status < 200 || status > 599) throw new BinaryHttpError(`status ${status} is not a final status`);
  const headers = readFields(r.section(MAX_FIELD_SECTION_BYTES, "the header section"));
  const content = r.section(maxContent, "the content").slice();
  readFields(r.section(MAX_FIELD_SECTION_BYTES, "the trailer section"));
  r.end();
  return { status, headers, content };
}
