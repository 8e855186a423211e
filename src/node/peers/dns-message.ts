// The part of DNS's wire format (RFC 1035 §4) a TXT lookup needs: one query, and the TXT records
// its answer holds. Written here rather than taken from dns-packet, which is built on Node's
// Buffer; this runs on Workers, Deno and Node alike with plain Uint8Arrays.

const TXT = 16;
const CNAME = 5;
const IN = 1;
const NOERROR = 0;
const NXDOMAIN = 3;
/** Answers past this many records are refused rather than walked. */
export const MAX_ANSWER_RECORDS = 256;
const HEADER = 12;
const MAX_NAME = 255;

export class DnsMessageError extends Error {
  override name = "DnsMessageError";
}

const RCODES: Record<number, string> = { 1: "FORMERR", 2: "SERVFAIL", 4: "NOTIMP", 5: "REFUSED" };

/** The labels of `name`, lowercased, without a trailing dot; refused unless it fits in DNS. */
function labels(name: string): string[] {
  const parts = name.toLowerCase().replace(/\.$/, "").split(".");
  let length = 1;
  for (const p of parts) {
    if (!/^[a-z0-9_-]{1,63}$/.test(p)) throw new DnsMessageError(`not a DNS name: ${JSON.stringify(name)}`);
    length += p.length + 1;
  }
  if (length > MAX_NAME) throw new DnsMessageError("a DNS name longer than 255 bytes");
  return parts;
}

/**
 * A query for `name`'s TXT records (recursion desired). ID 0, as RFC 8484 §4.1 asks of DoH
 * clients, so that equal queries share HTTP caches.
 */
export function encodeTxtQuery(name: string, id = 0): Uint8Array {
  const parts = labels(name);
  const out = new Uint8Array(HEADER + parts.reduce((n, p) => n + p.length + 1, 1) + 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, id);
  view.setUint16(2, 0x0100); // RD
  view.setUint16(4, 1); // QDCOUNT
  let at = HEADER;
  for (const p of parts) {
    out[at++] = p.length;
    for (let i = 0; i < p.length; i++) out[at++] = p.charCodeAt(i);
  }
  out[at++] = 0;
  view.setUint16(at, TXT);
  view.setUint16(at + 2, IN);
  return out;
}

/** Reads one message, refusing anything that runs past its end. */
class Reader {
  readonly #view: DataView;
  at = HEADER;
  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, at = this.at): void {
    if (at + n > this.bytes.length) throw new DnsMessageError("the DNS answer ends early");
  }
  u16(at?: number): number {
    const from = at ?? this.at;
    this.need(2, from);
    if (at === undefined) this.at += 2;
    return this.#view.getUint16(from);
  }
  u32(): number {
    this.need(4);
    this.at += 4;
    return this.#view.getUint32(this.at - 4);
  }

  /**
   * A name at `start` (each compression pointer must go below where the last one led, so the
   * jumps cannot loop and are few), lowercased
   * and dotted; a label's own dots and backslashes are escaped so it cannot pass for other labels.
   */
  name(start?: number): string {
    let at = start ?? this.at;
    let floor = at;
    let end: number | undefined;
    const parts: string[] = [];
    let length = 1;
    for (;;) {
      this.need(1, at);
      const len = this.bytes[at]!;
      if ((len & 0xc0) === 0xc0) {
        const target = this.u16(at) & 0x3fff;
        if (target >= floor) throw new DnsMessageError("a DNS name pointer that does not point back");
        end ??= at + 2;
        at = floor = target;
        continue;
      }
      if (len & 0xc0) throw new DnsMessageError("a DNS label of an unknown kind");
      if (len === 0) {
        end ??= at + 1;
        break;
      }
      this.need(len + 1, at);
      length += len + 1;
      if (length > MAX_NAME) throw new DnsMessageError("a DNS name longer than 255 bytes");
      let label = "";
      for (const b of this.bytes.subarray(at + 1, at + 1 + len)) {
        const c = String.fromCharCode(b >= 0x41 && b <= 0x5a ? b + 32 : b);
        label += c === "." || c === "\\" ? `\\${c}` : c;
      }
      parts.push(label);
      at += len + 1;
    }
    if (start === undefined) this.at = end;
    return parts.join(".");
  }
}

/** The character-strings of one TXT record's data (RFC 1035 §3.3.14), which must fill it exactly. */
function txtData(data: Uint8Array): string[] {
  const strings: string[] = [];
  const text = new TextDecoder();
  for (let at = 0; at < data.length; ) {
    const len = data[at]!;
    if (at + 1 + len > data.length) throw new DnsMessageError("a TXT string runs past its record");
    strings.push(text.decode(data.subarray(at + 1, at + 1 + len)));
    at += 1 + len;
  }
  return strings;
}

/**
 * The TXT records that `answer`, the reply to `query` (as encodeTxtQuery made it), holds for the
 * name asked or the names its CNAMEs within the answer lead to: none for NXDOMAIN; other records
 * are skipped. A reply to another query, a truncated one, or any other RCODE throws.
 */
export function readTxtAnswer(answer: Uint8Array, query: Uint8Array): string[][] {
  const r = new Reader(answer);
  const asked = new Reader(query);
  const flags = r.u16(2);
  if (r.u16(0) !== asked.u16(0)) throw new DnsMessageError("the DNS answer's ID is not the query's");
  if (!(flags & 0x8000) || (flags & 0x7800) !== 0) throw new DnsMessageError("not an answer to a standard query");
  if (flags & 0x0200) throw new DnsMessageError("a truncated DNS answer");
  const rcode = flags & 0x000f;
  if (rcode !== NOERROR && rcode !== NXDOMAIN) {
    throw new DnsMessageError(`the resolver answered ${RCODES[rcode] ?? `RCODE ${rcode}`}`);
  }
  const name = asked.name();
  if (r.u16(4) !== 1) throw new DnsMessageError("the DNS answer does not hold one question");
  if (r.name() !== name || r.u16() !== TXT || r.u16() !== IN) throw new DnsMessageError("the DNS answer's question is not the query's");
  if (rcode === NXDOMAIN) return [];
  const count = r.u16(6);
  if (count > MAX_ANSWER_RECORDS) throw new DnsMessageError(`a DNS answer of ${count} records`);

  const records: { owner: string; type: number; data: Uint8Array; target?: string }[] = [];
  for (let i = 0; i < count; i++) {
    const owner = r.name();
    const type = r.u16();
    const klass = r.u16();
    r.u32(); // TTL: nothing is cached here
    const length = r.u16();
    r.need(length);
    if (klass === IN) records.push({ owner, type, data: answer.subarray(r.at, r.at + length), ...(type === CNAME ? { target: r.name(r.at) } : {}) });
    r.at += length;
  }
  // The names the query's CNAMEs lead to, in whatever order the answer lists them.
  const names = new Set([name]);
  for (let grown = true; grown; ) {
    grown = false;
    for (const x of records) {
      if (x.target === undefined || !names.has(x.owner) || names.has(x.target)) continue;
      names.add(x.target);
      grown = true;
    }
  }
  return records.filter((x) => x.type === TXT && names.has(x.owner)).map((x) => txtData(x.data));
}
