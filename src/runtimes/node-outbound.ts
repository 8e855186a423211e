// Node's fetch for requests to other servers: undici (src/runtimes/node-request-fetch.ts) over an Agent whose lookup
// checks every address a name resolves to, so the address checked is the address connected to
// (no window for a DNS answer to change in between). IP literals never reach the lookup; the
// URL guard has checked those.
import dns, { type LookupAddress, type LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent } from "undici";
import { assertPublicAddresses, UnsafeUrlError } from "../node/outbound/ssrf.ts";
import { requestFetch } from "./node-request-fetch.ts";

export const checkedLookup: LookupFunction = (hostname, options: LookupOptions, callback) => {
  // Through the module object, so a resolver the operator (or a test) installs is the one used.
  dns.lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, "", 0);
    try {
      assertPublicAddresses(hostname, addresses.map((a) => a.address));
    } catch (refused) {
      return callback(refused as UnsafeUrlError, "", 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/** The fetch createApp is given; without ALLOW_PRIVATE_URLS its connections reach public addresses only. */
export function outboundFetch(allowPrivate: boolean): typeof fetch {
  return requestFetch(new Agent({ connect: allowPrivate ? {} : { lookup: checkedLookup } }));
}
