// The DNS proof vectors (test/vectors/dns-proof.json, docs/protocol.md §7.1.2): each host's proof
// name, each TXT record's reading, the verdict over a name's records, and the DNS-over-HTTPS JSON
// answers Workers read (no DoH server runs here: docs/testing.md).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dnsProofName, dnsProofVerdict, parseDnsProofRecord } from "../../src/protocol/card/dns-proof.ts";
import { DohAnswerError, dohTxtRecords, txtStrings } from "../../src/node/peers/dns-over-https.ts";

interface Vectors {
  names: { host: string; name: string | null }[];
  records: { name: string; strings: string[]; read: unknown }[];
  verdicts: { name: string; records: string[][]; node: string; verdict: unknown }[];
  txtData: { name: string; data: string; strings: string[] | null }[];
  dohQuery: string;
  dohAnswers: { name: string; answer: unknown; records: string[][] | null }[];
}
const v = JSON.parse(readFileSync(new URL("../vectors/dns-proof.json", import.meta.url), "utf8")) as Vectors;

describe("DNS proof vectors", () => {
  it.each(v.names.map((n) => [n.host, n] as const))("name of %s", (_h, n) => expect(dnsProofName(n.host)).toBe(n.name));
  it.each(v.records.map((r) => [r.name, r] as const))("record: %s", (_n, r) => expect(parseDnsProofRecord(r.strings)).toEqual(r.read));
  it.each(v.verdicts.map((x) => [x.name, x] as const))("verdict: %s", (_n, x) => expect(dnsProofVerdict(x.records, x.node)).toEqual(x.verdict));
  it.each(v.txtData.map((t) => [t.name, t] as const))("TXT data: %s", (_n, t) => {
    if (t.strings) expect(txtStrings(t.data)).toEqual(t.strings);
    else expect(() => txtStrings(t.data)).toThrow(DohAnswerError);
  });
  it.each(v.dohAnswers.map((a) => [a.name, a] as const))("DoH answer: %s", (_n, a) => {
    if (a.records) expect(dohTxtRecords(a.answer, v.dohQuery)).toEqual(a.records);
    else expect(() => dohTxtRecords(a.answer, v.dohQuery)).toThrow(DohAnswerError);
  });
  it("holds negatives of each kind", () => {
    expect(v.names.filter((n) => n.name === null).length).toBeGreaterThanOrEqual(5);
    expect(v.records.filter((r) => (r.read as { kind: string }).kind !== "proof").length).toBeGreaterThanOrEqual(8);
    expect(v.dohAnswers.filter((a) => a.records === null).length).toBeGreaterThanOrEqual(2);
  });
});
