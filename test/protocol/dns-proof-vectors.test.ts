// The DNS proof vectors (test/vectors/dns-proof.json, docs/protocol.md §7.1.2): each host's proof
// name, each TXT record's reading, the verdict over a name's records, and the DNS-over-HTTPS query
// and wire-format answers Workers read (a real DoH server: test/node/trust-dns-over-https.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dnsProofName, dnsProofVerdict, parseDnsProofRecord } from "../../src/protocol/card/dns-proof.ts";
import { DnsMessageError, encodeTxtQuery, readTxtAnswer } from "../../src/node/peers/dns-message.ts";

interface Vectors {
  names: { host: string; name: string | null }[];
  records: { name: string; strings: string[]; read: unknown }[];
  verdicts: { name: string; records: string[][]; node: string; verdict: unknown }[];
  dohQuery: { name: string; hex: string };
  dohAnswers: { name: string; hex: string; records: string[][] | null }[];
}
const bytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
const v = JSON.parse(readFileSync(new URL("../vectors/dns-proof.json", import.meta.url), "utf8")) as Vectors;

describe("DNS proof vectors", () => {
  it.each(v.names.map((n) => [n.host, n] as const))("name of %s", (_h, n) => expect(dnsProofName(n.host)).toBe(n.name));
  it.each(v.records.map((r) => [r.name, r] as const))("record: %s", (_n, r) => expect(parseDnsProofRecord(r.strings)).toEqual(r.read));
  it.each(v.verdicts.map((x) => [x.name, x] as const))("verdict: %s", (_n, x) => expect(dnsProofVerdict(x.records, x.node)).toEqual(x.verdict));
  it("TXT query", () => expect(encodeTxtQuery(v.dohQuery.name)).toEqual(bytes(v.dohQuery.hex)));
  it.each(v.dohAnswers.map((a) => [a.name, a] as const))("DNS answer: %s", (_n, a) => {
    const read = () => readTxtAnswer(bytes(a.hex), bytes(v.dohQuery.hex));
    if (a.records) expect(read()).toEqual(a.records);
    else expect(read).toThrow(DnsMessageError);
  });
  it("refuses a name that cannot be asked", () => {
    for (const name of ["", "a..b", `${"a".repeat(64)}.test`, "a b.test", `${"abcdefgh.".repeat(32)}test`]) expect(() => encodeTxtQuery(name)).toThrow(DnsMessageError);
  });
  it("holds negatives of each kind", () => {
    expect(v.names.filter((n) => n.name === null).length).toBeGreaterThanOrEqual(5);
    expect(v.records.filter((r) => (r.read as { kind: string }).kind !== "proof").length).toBeGreaterThanOrEqual(8);
    expect(v.dohAnswers.filter((a) => a.records === null).length).toBeGreaterThanOrEqual(10);
  });
});
