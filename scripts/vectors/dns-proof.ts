// DNS proof vectors (docs/protocol.md §7.1.2, test/vectors/dns-proof.json): the name a host's proof
// lives at, what a receiver reads from each TXT record and decides from a name's records, and the
// DNS-over-HTTPS JSON answers Workers read them from. Every expectation is checked against the code
// before it is written.
import { dnsProofName, dnsProofRecord, dnsProofVerdict, parseDnsProofRecord } from "../../src/protocol/card/dns-proof.ts";
import { dohTxtRecords, txtStrings } from "../../src/node/peers/dns-over-https.ts";
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

const txtData = [
  { name: "one quoted string", data: `"${PROOF}"`, strings: [PROOF] },
  { name: "two quoted strings", data: '"v=mcpfed1; i" "d=x"', strings: ["v=mcpfed1; i", "d=x"] },
  { name: "escapes", data: '"a\\"b\\\\c\\059d"', strings: ['a"b\\c;d'] },
  { name: "unquoted (Google's form)", data: PROOF, strings: [PROOF] },
  { name: "unterminated", data: '"abc', strings: null },
  { name: "text between strings", data: '"a" b "c"', strings: null },
];
for (const t of txtData) agree(`TXT data: ${t.name}`, t.strings, (() => { try { return txtStrings(t.data); } catch { return null; } })());

const Q = "_mcpfed.example.com";
const answers = [
  { name: "a TXT answer", answer: { Status: 0, Answer: [{ name: `${Q}.`, type: 16, TTL: 300, data: `"${PROOF}"` }] }, records: [[PROOF]] },
  { name: "through a CNAME", answer: { Status: 0, Answer: [{ name: `${Q}.`, type: 5, TTL: 300, data: "proofs.example.net." }, { name: "proofs.example.net.", type: 16, TTL: 300, data: `"${PROOF}"` }] }, records: [[PROOF]] },
  { name: "a record of another name, ignored", answer: { Status: 0, Answer: [{ name: "elsewhere.example.", type: 16, TTL: 300, data: `"${PROOF}"` }] }, records: [] },
  { name: "no answer section (NODATA)", answer: { Status: 0 }, records: [] },
  { name: "NXDOMAIN", answer: { Status: 3 }, records: [] },
  { name: "SERVFAIL", answer: { Status: 2 }, records: null },
  { name: "not a DNS answer", answer: { error: "bad request" }, records: null },
];
for (const a of answers) agree(`DoH: ${a.name}`, a.records, (() => { try { return dohTxtRecords(a.answer, Q); } catch { return null; } })());

write("dns-proof.json", {
  about: "The DNS proof of a domain (docs/protocol.md §7.1.2): the TXT name of a host (null: no DNS proof), what each record reads as, the verdict over a name's records for a node, and DNS-over-HTTPS JSON answers (records, or null for a failure) with the TXT data they carry.",
  node: ID,
  names,
  records,
  verdicts,
  txtData,
  dohQuery: Q,
  dohAnswers: answers,
});
