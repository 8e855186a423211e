// TXT lookups over DNS-over-HTTPS, for runtimes with no DNS API (Workers): the JSON form that
// Cloudflare's and Google's resolvers answer (`application/dns-json`: RFC 8484's URL, answers as
// JSON rather than wire format), fetched through the outbound guard from DNS_OVER_HTTPS_URL.
import { z } from "zod";
import { readCapped } from "../outbound/limited-body.ts";
import type { Outbound } from "../outbound/outbound.ts";
import type { TxtResolver } from "../settings/platform.ts";

/** An answer holding a few TXT records is well under this. */
export const DOH_MAX_BYTES = 64 * 1024;
const TXT = 16;
const CNAME = 5;
const NOERROR = 0;
const NXDOMAIN = 3;

const answer = z.object({
  Status: z.number().int(),
  Answer: z.array(z.object({ name: z.string(), type: z.number().int(), data: z.string() })).max(256).optional(),
});

export class DohAnswerError extends Error {
  override name = "DohAnswerError";
}

/**
 * A TXT record's data in presentation form: quoted character-strings (`"a" "b"`, with `\"`, `\\`
 * and `\DDD` escapes), as Cloudflare gives it; unquoted text, as Google gives it, is one string.
 */
export function txtStrings(data: string): string[] {
  if (!data.startsWith('"')) return [data];
  const strings: string[] = [];
  let i = 0;
  while (i < data.length) {
    if (data[i] === " ") {
      i++;
      continue;
    }
    if (data[i] !== '"') throw new DohAnswerError("TXT data outside quotes");
    let s = "";
    i++;
    for (;;) {
      if (i >= data.length) throw new DohAnswerError("an unterminated TXT string");
      const c = data[i]!;
      if (c === '"') break;
      if (c === "\\") {
        const digits = /^\d{3}/.exec(data.slice(i + 1, i + 4));
        if (digits && Number(digits[0]) <= 255) {
          s += String.fromCharCode(Number(digits[0]));
          i += 4;
        } else if (i + 1 < data.length) {
          s += data[i + 1];
          i += 2;
        } else throw new DohAnswerError("a dangling escape in TXT data");
        continue;
      }
      s += c;
      i++;
    }
    strings.push(s);
    i++;
  }
  return strings;
}

const bare = (name: string) => name.toLowerCase().replace(/\.$/, "");

/**
 * The TXT records a JSON answer holds for `name`: none for NXDOMAIN or an answer without them
 * (other types are skipped; CNAMEs are followed within the answer); any other status throws.
 */
export function dohTxtRecords(json: unknown, name: string): string[][] {
  const parsed = answer.safeParse(json);
  if (!parsed.success) throw new DohAnswerError("not a DNS JSON answer");
  const { Status, Answer = [] } = parsed.data;
  if (Status === NXDOMAIN) return [];
  if (Status !== NOERROR) throw new DohAnswerError(`the resolver answered status ${Status}`);
  // The records of the name asked, or of the names its CNAMEs in the answer lead to.
  const names = new Set([bare(name)]);
  for (const a of Answer) if (a.type === CNAME && names.has(bare(a.name))) names.add(bare(a.data));
  return Answer.filter((a) => a.type === TXT && names.has(bare(a.name))).map((a) => txtStrings(a.data));
}

/** A TxtResolver asking `url` (e.g. https://cloudflare-dns.com/dns-query) through the outbound guard. */
export function dohResolver(outbound: Outbound, url: string): TxtResolver {
  return async (name, timeoutMs) => {
    const query = new URL(url);
    query.searchParams.set("name", name);
    query.searchParams.set("type", "TXT");
    const res = await outbound.request(query.href, { headers: { accept: "application/dns-json" } }, timeoutMs);
    if (!res.ok) {
      void res.body?.cancel().catch(() => {});
      throw new DohAnswerError(`the resolver answered HTTP ${res.status}`);
    }
    const bytes = await readCapped(res, DOH_MAX_BYTES, "the DNS answer");
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new DohAnswerError("the resolver's answer is not JSON");
    }
    return dohTxtRecords(json, name);
  };
}
