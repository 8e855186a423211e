// Deno's TXT lookups for the domain proof: Deno.resolveDns, asking the first server DNS_SERVERS
// names (it takes one), or the system's, bounded by the caller's timeout.
import type { DnsServer } from "../node/settings/config.ts";
import type { TxtResolver } from "../node/settings/platform.ts";

export function denoTxtResolver(servers: readonly DnsServer[]): TxtResolver {
  const server = servers[0];
  return async (name, timeoutMs) => {
    try {
      return await Deno.resolveDns(name, "TXT", {
        signal: AbortSignal.timeout(timeoutMs),
        ...(server ? { nameServer: { ipAddr: server.address, port: server.port } } : {}),
      });
    } catch (err) {
      // NXDOMAIN and an empty answer both surface as NotFound.
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
  };
}
