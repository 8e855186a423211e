// The DNS proof over DNS-over-HTTPS (RFC 8484), the path Workers take, against a real DoH server on
// loopback (dns2's, which speaks only the wire format) serving a zone: TXT, a record in two
// strings, CNAME to TXT, NXDOMAIN and SERVFAIL; and a server answering JSON, which is refused.
// Requests go through the node's outbound path (the URL guard and Node's address-checking fetch),
// with private addresses allowed as in other tests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import dns2 from "dns2";
import { createServer, type IncomingMessage } from "node:http";
import { dnsProofRecord } from "../../src/protocol/card/dns-proof.ts";
import { Outbound } from "../../src/node/outbound/outbound.ts";
import { UnsafeUrlError } from "../../src/node/outbound/ssrf.ts";
import { DohAnswerError, dohResolver } from "../../src/node/peers/dns-over-https.ts";
import { DnsMessageError } from "../../src/node/peers/dns-message.ts";
import { checkDnsProof } from "../../src/node/peers/domains.ts";
import { outboundFetch } from "../../src/runtimes/node-outbound.ts";

const { Packet } = dns2;
// dns2's typings want a Resource instance; its encoder reads only these fields.
const record = (r: Omit<dns2.Packet.Resource, "toBuffer">) => r as dns2.Packet.Resource;
const ID = "abcdefghijklmnopqrstuvwxyz234567";
const OTHER = "7654322zyxwvutsrqponmlkjihgfedcb";
const PROOF = dnsProofRecord(ID);

/** The zone: TXT records (each an array of strings) or a CNAME; absent names are NXDOMAIN. */
const zone: Record<string, { txt?: string[][]; cname?: string; servfail?: true }> = {
  "_mcpfed.a.test": { txt: [["some-other-verification=1"], [PROOF]] },
  "_mcpfed.b.test": { txt: [[dnsProofRecord(OTHER)]] },
  "_mcpfed.split.test": { txt: [[PROOF.slice(0, 20), PROOF.slice(20)]] },
  "_mcpfed.alias.test": { cname: "proofs.hosting.test" },
  "proofs.hosting.test": { txt: [[PROOF]] },
  "_mcpfed.broken.test": { servfail: true },
};

let server: ReturnType<typeof dns2.createDOHServer>;
let url: string;
const seen: { method?: string; accept?: string; dns: string | null }[] = [];

beforeAll(async () => {
  server = dns2.createDOHServer({ ssl: false });
  server.on("request", (request, send, from) => {
    const client = from as IncomingMessage;
    seen.push({ method: client.method, accept: client.headers.accept, dns: new URL(client.url ?? "", "http://x").searchParams.get("dns") });
    const response = Packet.createResponseFromRequest(request);
    // A recursive resolver's answer: a CNAME, then its target's records.
    let name = request.questions[0]!.name.toLowerCase();
    let entry = zone[name];
    if (entry?.servfail) response.header.rcode = Packet.RCODE.SERVFAIL;
    else if (!entry) response.header.rcode = Packet.RCODE.NXDOMAIN;
    while (entry?.cname) {
      response.answers.push(record({ name, type: Packet.TYPE.CNAME, class: Packet.CLASS.IN, ttl: 60, domain: entry.cname }));
      name = entry.cname;
      entry = zone[name];
    }
    for (const data of entry?.txt ?? []) response.answers.push(record({ name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 60, data }));
    void send(response);
  });
  const listening = new Promise<{ port: number }>((resolve) => server.once("listening", resolve));
  server.listen(0, "127.0.0.1");
  url = `http://127.0.0.1:${(await listening).port}/dns-query`;
});
afterAll(async () => {
  await server?.close();
});

const outbound = () => new Outbound({ allowPrivate: true, fetch: outboundFetch(true) });

describe("TXT lookups over DNS-over-HTTPS against a real DoH server", () => {
  it("asks in RFC 8484's wire format (GET ?dns=, application/dns-message) and reads every TXT record of the name", async () => {
    seen.length = 0;
    const resolve = dohResolver(outbound(), url);
    expect(await resolve("_mcpfed.a.test", 5000)).toEqual([["some-other-verification=1"], [PROOF]]);
    expect(seen).toEqual([{ method: "GET", accept: "application/dns-message", dns: expect.stringMatching(/^[A-Za-z0-9_-]+$/) }]);
  });

  it("keeps a record's strings apart, follows a CNAME within the answer, and reads NXDOMAIN as no record", async () => {
    const resolve = dohResolver(outbound(), url);
    expect(await resolve("_mcpfed.split.test", 5000)).toEqual([[PROOF.slice(0, 20), PROOF.slice(20)]]);
    expect(await resolve("_mcpfed.alias.test", 5000)).toEqual([[PROOF]]);
    expect(await resolve("_mcpfed.nowhere.test", 5000)).toEqual([]);
  });

  it("throws a typed error for SERVFAIL and for a server that is not a DoH endpoint", async () => {
    await expect(dohResolver(outbound(), url)("_mcpfed.broken.test", 5000)).rejects.toThrow(DnsMessageError);
    await expect(dohResolver(outbound(), url.replace("/dns-query", "/elsewhere"))("_mcpfed.a.test", 5000)).rejects.toThrow("the resolver answered HTTP 404");
  });

  it("refuses an answer in JSON (the form RFC 8484 does not define) without reading it", async () => {
    const json = createServer((_req, res) => res.writeHead(200, { "content-type": "application/dns-json" }).end('{"Status":0,"Answer":[]}'));
    await new Promise<void>((resolve) => json.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = json.address() as { port: number };
      await expect(dohResolver(outbound(), `http://127.0.0.1:${port}/dns-query`)("_mcpfed.a.test", 5000)).rejects.toThrow(
        new DohAnswerError("the resolver answered application/dns-json, not application/dns-message"),
      );
    } finally {
      await new Promise((resolve) => json.close(resolve));
    }
  });

  it("decides the domain proof through it: verified, another node's record, split, CNAME, none, a failed lookup", async () => {
    const resolve = dohResolver(outbound(), url);
    expect(await checkDnsProof(resolve, "a.test", ID)).toEqual({ proven: true });
    expect(await checkDnsProof(resolve, "b.test", ID)).toEqual({ proven: false, reason: `_mcpfed.b.test: the record names another node (${OTHER})` });
    expect(await checkDnsProof(resolve, "split.test", ID)).toEqual({ proven: true });
    expect(await checkDnsProof(resolve, "alias.test", ID)).toEqual({ proven: true });
    expect(await checkDnsProof(resolve, "nowhere.test", ID)).toEqual({ proven: false, reason: "_mcpfed.nowhere.test: no mcpfed record" });
    expect(await checkDnsProof(resolve, "broken.test", ID)).toEqual({ proven: false, reason: "the lookup of _mcpfed.broken.test failed: the resolver answered SERVFAIL" });
  });

  it("goes through the outbound guard, which refuses a loopback resolver unless private addresses are allowed", async () => {
    const guarded = new Outbound({ allowPrivate: false, fetch: outboundFetch(false) });
    await expect(dohResolver(guarded, url)("_mcpfed.a.test", 5000)).rejects.toThrow(UnsafeUrlError);
  });
});
