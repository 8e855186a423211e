// Outbound URL guard: upstream, peer and client-document URLs may not reach special-purpose
// addresses (loopback, private, link-local and the rest of the IANA registries) unless the
// operator allows it. The URL is checked here as written, after normalizing its host; the address
// each name resolves to is checked again when the runtime connects (src/node/outbound/outbound.ts).

import { isIpHost, specialAddressReason } from "./special-addresses.ts";

export class UnsafeUrlError extends Error {
  override name = "UnsafeUrlError";
}

const ALLOW_HINT = "(set ALLOW_PRIVATE_URLS=true to allow)";

/** Names that only ever mean this machine or its local network (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal). */
const LOCAL_SUFFIXES = ["localhost", "localdomain", "local", "internal", "home.arpa"];

/**
 * The host as it is looked up: the URL parser has lowered case, turned IDN into punycode and read
 * numeric IPv4 spellings; a trailing dot is dropped here. Empty labels are kept, and refused.
 */
export function normalizedHost(url: URL): string {
  return url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname;
}

function hostReason(host: string): string | undefined {
  if (isIpHost(host)) {
    const special = specialAddressReason(host);
    return special && `${special}, which is not allowed ${ALLOW_HINT}`;
  }
  if (host === "" || host.split(".").some((label) => label === "")) return "the host name has an empty label";
  if (LOCAL_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`))) return `local host names are not allowed ${ALLOW_HINT}`;
  // A single label is completed by the resolver's search list, into the local network.
  if (!host.includes(".")) return `single-label host names are not allowed ${ALLOW_HINT}`;
  return undefined;
}

/** The reason a URL is not allowed, or undefined if it is. */
export function unsafeUrlReason(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a valid URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "only http and https URLs are allowed";
  if (url.username || url.password) return "credentials in the URL are not allowed; use headers";
  if (allowPrivate) return undefined;
  return hostReason(normalizedHost(url));
}

export function assertSafeUrl(raw: string, allowPrivate: boolean): void {
  const reason = unsafeUrlReason(raw, allowPrivate);
  if (reason) throw new UnsafeUrlError(reason);
}

/** Throws UnsafeUrlError unless every address a host resolved to is an ordinary global one. */
export function assertPublicAddresses(host: string, addresses: readonly string[]): void {
  if (addresses.length === 0) throw new UnsafeUrlError(`${host} resolves to no address`);
  for (const a of addresses) {
    const special = specialAddressReason(a);
    if (special) throw new UnsafeUrlError(`${host} resolves to ${special}, which is not allowed ${ALLOW_HINT}`);
  }
}
