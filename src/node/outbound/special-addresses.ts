// The IANA special-purpose address registries (IPv4 and IPv6), plus multicast and everything
// outside IPv6 global unicast: no outbound request of a node on a public network may reach an
// address in any of them. Addresses are parsed by ipaddr.js, which reads every spelling.
import ipaddr from "ipaddr.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

const ranges = (list: [string, string][]): [Range, string][] => list.map(([cidr, name]) => [ipaddr.parseCIDR(cidr), name]);

const IPV4 = ranges([
  ["0.0.0.0/8", "this network"],
  ["10.0.0.0/8", "private use"],
  ["100.64.0.0/10", "shared address space"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link local"],
  ["172.16.0.0/12", "private use"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.0.2.0/24", "documentation"],
  ["192.31.196.0/24", "AS112"],
  ["192.52.193.0/24", "AMT"],
  ["192.88.99.0/24", "6to4 relay anycast"],
  ["192.168.0.0/16", "private use"],
  ["192.175.48.0/24", "AS112 direct delegation"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
]);

const IPV6 = ranges([
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["::/96", "IPv4-compatible"],
  ["::ffff:0:0/96", "IPv4-mapped"],
  ["64:ff9b::/96", "NAT64"],
  ["64:ff9b:1::/48", "local-use NAT64"],
  ["100::/64", "discard only"],
  ["2001::/23", "IETF protocol assignments"],
  ["2001:db8::/32", "documentation"],
  ["2002::/16", "6to4"],
  ["2620:4f:8000::/48", "AS112 direct delegation"],
  ["3fff::/20", "documentation"],
  ["5f00::/16", "segment routing"],
  ["fc00::/7", "unique local"],
  ["fe80::/10", "link local"],
  ["ff00::/8", "multicast"],
]);

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");

/**
 * Why `address` may not be reached ("127.0.0.1 is loopback"), or undefined for an ordinary global
 * address. Anything that does not parse as an IP address is refused too.
 */
export function specialAddressReason(address: string): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address.replace(/^\[|\]$/g, ""));
  } catch {
    return `${address} is not an IP address`;
  }
  const list = ip.kind() === "ipv4" ? IPV4 : IPV6;
  for (const [range, name] of list) {
    if (range[0].kind() === ip.kind() && ip.match(range)) return `${address} is ${name} (${range[0].toString()}/${range[1]})`;
  }
  if (ip.kind() === "ipv6" && !ip.match(GLOBAL_UNICAST_V6)) return `${address} is outside IPv6 global unicast (2000::/3)`;
  return undefined;
}

/** Whether a host, as a URL writes it, is an IP address rather than a name. */
export function isIpHost(host: string): boolean {
  return host.startsWith("[") || ipaddr.IPv4.isValidFourPartDecimal(host);
}
