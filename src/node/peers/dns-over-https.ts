// TXT lookups over DNS-over-HTTPS (RFC 8484), for runtimes with no DNS API (Workers): a wire-format
// query as `GET ?dns=<base64url>` to DNS_OVER_HTTPS_URL, through the outbound guard, and a
// wire-format answer read within a cap.
import { toBase64url } from "../../protocol/encoding/bytes.ts";
import { readCapped } from "../outbound/limited-body.ts";
import type { Outbound } from "../outbound/outbound.ts";
import type { TxtResolver } from "../settings/platform.ts";
import { encodeTxtQuery, readTxtAnswer } from "./dns-message.ts";

/** An answer holding a few TXT records is well under this. */
export const DOH_MAX_BYTES = 64 * 1024;
const DNS_MESSAGE = "application/dns-message";

export class DohAnswerError extends Error {
  override name = "DohAnswerError";
}

/** A TxtResolver asking `url` (e.g. https://cloudflare-dns.com/dns-query) through the outbound guard. */
export function dohResolver(outbound: Outbound, url: string): TxtResolver {
  return async (name, timeoutMs) => {
    const query = encodeTxtQuery(name);
    const target = new URL(url);
    target.searchParams.set("dns", toBase64url(query));
    const res = await outbound.request(target.href, { headers: { accept: DNS_MESSAGE } }, timeoutMs);
    const type = res.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (!res.ok || type !== DNS_MESSAGE) {
      void res.body?.cancel().catch(() => {});
      throw new DohAnswerError(res.ok ? `the resolver answered ${type ?? "no content type"}, not ${DNS_MESSAGE}` : `the resolver answered HTTP ${res.status}`);
    }
    return readTxtAnswer(await readCapped(res, DOH_MAX_BYTES, "the DNS answer"), query);
  };
}
