// A real DNS server on loopback for the domain proof's tests: Debian's dnsmasq (dnsmasq-base, which
// .ci/run installs), answering only from the TXT records it is given; every other name under
// `test` is NXDOMAIN. And a server that takes queries and never answers, for timeouts.
import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import { existsSync } from "node:fs";
import { freePort, start, waitFor, type Proc } from "./processes.ts";

const DNSMASQ = "/usr/sbin/dnsmasq";

export interface DnsServerProc extends Proc {
  port: number;
}

/** dnsmasq serving `records` (name → the records there, each its character-strings). */
export async function startDnsmasq(records: Record<string, string[][]>): Promise<DnsServerProc> {
  if (!existsSync(DNSMASQ)) throw new Error(`${DNSMASQ} is missing: apt-get install dnsmasq-base (.ci/run does)`);
  const port = await freePort();
  // On its command line dnsmasq keeps quotes as text: a comma separates character-strings, so none may hold one.
  if (Object.values(records).flat(2).some((s) => s.includes(","))) throw new Error("dnsmasq's --txt-record cannot carry a comma");
  const txt = Object.entries(records).flatMap(([name, rs]) => rs.map((strings) => `--txt-record=${name},${strings.join(",")}`));
  const args = ["--no-daemon", `--port=${port}`, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--local=/test/", ...txt];
  const proc = start(DNSMASQ, args);
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  await waitFor(async () => {
    await resolver.resolveTxt("ready.test").catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOTFOUND") throw err; // NXDOMAIN: it answers
    });
    return true;
  }, "dnsmasq", proc, 10_000);
  return { ...proc, port };
}

/** A UDP port that reads queries and answers none. */
export async function startSilentDns(): Promise<{ port: number; close: () => Promise<void> }> {
  const socket = createSocket("udp4");
  const port = await freePort();
  await new Promise<void>((res, rej) => {
    socket.once("error", rej);
    socket.bind(port, "127.0.0.1", () => res());
  });
  return { port, close: () => new Promise<void>((r) => socket.close(() => r())) };
}
