// Deno's fetch for requests to other servers. Deno's fetch takes no resolver, so the name is
// resolved here first, by getaddrinfo as fetch itself would (hosts file included), and every
// address is checked. Over http the request then goes to the checked address, with the name in
// its Host header. Over https it goes by name, since TLS checks the certificate against the name:
// a DNS answer that changes between the check and the connection (a short TTL) can slip through.
import dns from "node:dns";
import { isIpHost } from "../node/outbound/special-addresses.ts";
import { assertPublicAddresses, normalizedHost } from "../node/outbound/ssrf.ts";

/** The fetch createApp is given; without ALLOW_PRIVATE_URLS it resolves and checks first. */
export function outboundFetch(allowPrivate: boolean): typeof fetch | undefined {
  if (allowPrivate) return undefined;
  const byAddress = Deno.createHttpClient({ allowHost: true });
  return async (input, init) => {
    if (input instanceof Request) throw new TypeError("pass a URL, not a Request");
    const url = new URL(input);
    const host = normalizedHost(url);
    if (isIpHost(host)) return fetch(url, init); // the URL guard has checked it
    // Through the module object, so a resolver the operator (or a test) installs is the one used.
    const addresses = (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
    assertPublicAddresses(host, addresses);
    if (url.protocol === "https:") return fetch(url, init);
    const target = new URL(url);
    target.hostname = addresses[0]!.includes(":") ? `[${addresses[0]}]` : addresses[0]!;
    const headers = new Headers(init?.headers);
    headers.set("host", url.host);
    return fetch(target, { ...init, headers, client: byAddress });
  };
}
