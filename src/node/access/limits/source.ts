// The source a per-source limit counts: the client's address, except that an IPv6 client counts
// by its /64, as one subscriber usually holds a whole /64 and could otherwise rotate addresses.
import ipaddr from "ipaddr.js";

/** The key a client address is counted under; anything that is not an address is its own key. */
export function sourceOf(address: string): string {
  const bare = address.split("%")[0]!;
  if (!ipaddr.isValid(bare)) return address;
  const ip = ipaddr.process(bare); // an IPv4-mapped IPv6 address counts as its IPv4 address
  if (ip.kind() === "ipv4") return ip.toString();
  const prefix = (ip as ipaddr.IPv6).parts.slice(0, 4).map((g) => g.toString(16));
  return `${prefix.join(":")}::/64`;
}
