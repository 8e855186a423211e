// Node's TXT lookups for the domain proof: a Resolver of its own (c-ares), asking the servers
// DNS_SERVERS names, or the system's, once per lookup with the caller's timeout.
import { Resolver } from "node:dns/promises";
import type { DnsServer } from "../node/settings/config.ts";
import type { TxtResolver } from "../node/settings/platform.ts";

/** The name or its TXT records do not exist: no records, not a failure. */
const ABSENT = new Set(["ENOTFOUND", "ENODATA"]);

export function nodeTxtResolver(servers: readonly DnsServer[]): TxtResolver {
  return async (name, timeoutMs) => {
    const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
    if (servers.length > 0) resolver.setServers(servers.map((s) => (s.address.includes(":") ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`)));
    try {
      return await resolver.resolveTxt(name);
    } catch (err) {
      if (err instanceof Error && ABSENT.has((err as NodeJS.ErrnoException).code ?? "")) return [];
      throw err;
    } finally {
      resolver.cancel();
    }
  };
}
