// DNS proof vectors (docs/protocol.md §7.1.2, test/vectors/dns-proof.json): the name a host's proof
// lives at, what a receiver reads from each TXT record and decides from a name's records, and the
// DNS-over-HTTPS query and wire-format answers (RFC 8484) Workers read them from. Every expectation
// is checked against the code before it is written.
import { dnsProofName, dnsProofRecord, dnsProofVerdict, parseDnsProofRecord } from "../../src/protocol/card/dns-proof.ts";
import { DnsMessageError, encodeTxtQuery, readTxtAnswer } from "../../src/node/peers/dns-message.ts";
import { agree, write } from "./common.ts";

const ID = "abcdefghijklmnopqrstuvwxyz234567";
const OTHER = "7654322zyxwvutsrqponmlkjihgfedcb";
const PROOF = dnsProofRecord(ID);
agree("the published record", "v=mcpfed1; id=abcdefghijklmnopqrstuvwxyz234567", PROOF);

const names = [
  { host: "example.com", name: "_mcpfed.example.com" },
  { host: "Node.Example.COM", name: "_mcpfed.node.example.com" },
  { host: "example.com.", name: "_mcpfed.example.com" },
  { host: "xn--bcher-kva.example", name: "_mcpfed.xn--bcher-kva.example" },
  { host: "192.0.2.1", name: null },
  { host: "[2001:db8::1]", name: null },
  { host: "under_score.example", name: null },
  { host: "-leading.example", name: null },
  { host: `${"a".repeat(64)}.example`, name: null },
  { host: "", name: null },
];
for (const n of names) agree(`name of ${n.host}`, n.name, dnsProofName(n.host));

const records = [
  { name: "the published form", strings: [PROOF], read: { kind: "proof", id: ID } },
  { name: "split in two character-strings", strings: ["v=mcpfed1; i", `d=${ID}`], read: { kind: "proof", id: ID } },
  { name: "no spaces, a trailing separator", strings: [`v=mcpfed1;id=${ID};`], read: { kind: "proof", id: ID } },
  { name: "an unknown field beside the id", strings: [`v=mcpfed1; note=hello; id=${ID}`], read: { kind: "proof", id: ID } },
  { name: "another service's record", strings: ["google-site-verification=abc"], read: { kind: "other" } },
  { name: "a later version", strings: [`v=mcpfed2; id=${ID}`], read: { kind: "other" } },
  { name: "the version not first", strings: [`id=${ID}; v=mcpfed1`], read: { kind: "other" } },
  { name: "no id", strings: ["v=mcpfed1"], read: { kind: "malformed", reason: "no id field" } },
  { name: "two ids", strings: [`v=mcpfed1; id=${ID}; id=${OTHER}`], read: { kind: "malformed", reason: "more than one id field" } },
  { name: "an id in capitals", strings: [`v=mcpfed1; id=${ID.toUpperCase()}`], read: { kind: "malformed", reason: "the id is not a node id (32 base32 characters)" } },
  { name: "a short id", strings: [`v=mcpfed1; id=${ID.slice(1)}`], read: { kind: "malformed", reason: "the id is not a node id (32 base32 characters)" } },
  { name: "a field without =", strings: [`v=mcpfed1; ${ID}`], read: { kind: "malformed", reason: `field "${ID}" is not key=value` } },
  { name: "too long", strings: [`v=mcpfed1; id=${ID}; pad=${"x".repeat(220)}`], read: { kind: "malformed", reason: "longer than 255 characters" } },
];
for (const r of records) agree(`record: ${r.name}`, r.read, parseDnsProofRecord(r.strings));

const verdicts = [
  { name: "the proof among other records", records: [["v=spf1 -all"], [PROOF]], node: ID, verdict: { proven: true } },
  { name: "one of two nodes the domain names", records: [[dnsProofRecord(OTHER)], [PROOF]], node: ID, verdict: { proven: true } },
  { name: "a proof of another node", records: [[dnsProofRecord(OTHER)]], node: ID, verdict: { proven: false, reason: `the record names another node (${OTHER})` } },
  { name: "a malformed record only", records: [["v=mcpfed1"]], node: ID, verdict: { proven: false, reason: "the record is malformed: no id field" } },
  { name: "no record", records: [], node: ID, verdict: { proven: false, reason: "no mcpfed record" } },
  { name: "others' records only", records: [["v=spf1 -all"]], node: ID, verdict: { proven: false, reason: "no mcpfed record" } },
];
for (const v of verdicts) agree(`verdict: ${v.name}`, v.verdict, dnsProofVerdict(v.records, v.node));

// DNS messages built byte by byte here, apart from the decoder they test (RFC 1035 §4).
const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
const u16 = (n: number) => [n >> 8, n & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const dnsName = (name: string) => [...name.split(".").flatMap((l) => [l.length, ...ascii(l)]), 0];
const QUESTION_AT = [0xc0, 12]; // a pointer to the question's name, just after the header
const header = (o: { id?: number; flags?: number; qd?: number; an: number }) => [...u16(o.id ?? 0), ...u16(o.flags ?? 0x8180), ...u16(o.qd ?? 1), ...u16(o.an), 0, 0, 0, 0];
const question = (name: string, type = 16) => [...dnsName(name), ...u16(type), 0, 1];
const rr = (owner: number[], type: number, data: number[]) => [...owner, ...u16(type), 0, 1, 0, 0, 1, 44, ...u16(data.length), ...data];
const txt = (...strings: string[]) => strings.flatMap((s) => [s.length, ...ascii(s)]);

const Q = "_mcpfed.example.com";
const query = [...header({ flags: 0x0100, an: 0 }), ...question(Q)];
agree("the TXT query", hex(query), hex([...encodeTxtQuery(Q)]));
const cnameAt = 12 + question(Q).length + 2 + 10; // the CNAME's data, after its owner pointer and fixed fields
const answers = [
  { name: "a TXT answer", bytes: [...header({ an: 1 }), ...question(Q), ...rr(QUESTION_AT, 16, txt(PROOF))], records: [[PROOF]] },
  { name: "one record in two strings", bytes: [...header({ an: 1 }), ...question(Q), ...rr(QUESTION_AT, 16, txt(PROOF.slice(0, 12), PROOF.slice(12)))], records: [[PROOF.slice(0, 12), PROOF.slice(12)]] },
  { name: "two records, another's and a proof", bytes: [...header({ an: 2 }), ...question(Q), ...rr(QUESTION_AT, 16, txt("v=spf1 -all")), ...rr(QUESTION_AT, 16, txt(PROOF))], records: [["v=spf1 -all"], [PROOF]] },
  { name: "through a CNAME", bytes: [...header({ an: 2 }), ...question(Q), ...rr(QUESTION_AT, 5, dnsName("proofs.example.net")), ...rr([0xc0, cnameAt], 16, txt(PROOF))], records: [[PROOF]] },
  { name: "a CNAME listed after its target", bytes: [...header({ an: 2 }), ...question(Q), ...rr(dnsName("proofs.example.net"), 16, txt(PROOF)), ...rr(QUESTION_AT, 5, dnsName("proofs.example.net"))], records: [[PROOF]] },
  { name: "owner names in another case", bytes: [...header({ an: 1 }), ...question(Q), ...rr(dnsName("_MCPFED.Example.COM"), 16, txt(PROOF))], records: [[PROOF]] },
  { name: "a record of another name, ignored", bytes: [...header({ an: 1 }), ...question(Q), ...rr(dnsName("elsewhere.example"), 16, txt(PROOF))], records: [] },
  { name: "a label holding a dot, not two labels", bytes: [...header({ an: 1 }), ...question(Q), ...rr([7, ...ascii("_mcpfed"), 11, ...ascii("example.com"), 0], 16, txt(PROOF))], records: [] },
  { name: "no answer (NODATA)", bytes: [...header({ an: 0 }), ...question(Q)], records: [] },
  { name: "NXDOMAIN", bytes: [...header({ flags: 0x8183, an: 0 }), ...question(Q)], records: [] },
  { name: "SERVFAIL", bytes: [...header({ flags: 0x8182, an: 0 }), ...question(Q)], records: null },
  { name: "REFUSED", bytes: [...header({ flags: 0x8185, an: 0 }), ...question(Q)], records: null },
  { name: "another ID", bytes: [...header({ id: 0xbeef, an: 1 }), ...question(Q), ...rr(QUESTION_AT, 16, txt(PROOF))], records: null },
  { name: "another question", bytes: [...header({ an: 1 }), ...question("_mcpfed.example.net"), ...rr(QUESTION_AT, 16, txt(PROOF))], records: null },
  { name: "another question type", bytes: [...header({ an: 0 }), ...question(Q, 1)], records: null },
  { name: "a query, not an answer", bytes: [...header({ flags: 0x0100, an: 0 }), ...question(Q)], records: null },
  { name: "truncated (TC)", bytes: [...header({ flags: 0x8380, an: 0 }), ...question(Q)], records: null },
  { name: "ends inside a record", bytes: [...header({ an: 1 }), ...question(Q), ...rr(QUESTION_AT, 16, txt(PROOF))].slice(0, -5), records: null },
  { name: "a TXT string past its record", bytes: [...header({ an: 1 }), ...question(Q), ...rr(QUESTION_AT, 16, [60, ...ascii("short")])], records: null },
  { name: "a name pointer to itself", bytes: [...header({ an: 1 }), ...question(Q), ...rr([0xc0, 12 + question(Q).length], 16, txt(PROOF))], records: null },
  { name: "name pointers in a loop (a label, then a pointer back to it)", bytes: [...header({ an: 1 }), ...question(Q), ...rr([1, ...ascii("a"), 0xc0, 12 + question(Q).length], 16, txt(PROOF))], records: null },
  { name: "more records than read", bytes: [...header({ an: 257 }), ...question(Q)], records: null },
];
const read = (bytes: number[]) => { try { return readTxtAnswer(Uint8Array.from(bytes), Uint8Array.from(query)); } catch (err) { if (err instanceof DnsMessageError) return null; throw err; } };
for (const a of answers) agree(`DNS answer: ${a.name}`, a.records, read(a.bytes));

write("dns-proof.json", {
  about: "The DNS proof of a domain (docs/protocol.md §7.1.2): the TXT name of a host (null: no DNS proof), what each record reads as, the verdict over a name's records for a node, the DNS-over-HTTPS query for a proof name and wire-format answers to it in hex (the TXT records read, or null for a refused answer).",
  node: ID,
  names,
  records,
  verdicts,
  dohQuery: { name: Q, hex: hex(query) },
  dohAnswers: answers.map((a) => ({ name: a.name, hex: hex(a.bytes), records: a.records })),
});
