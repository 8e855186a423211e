// Fuzzing the SSRF guard (issue 10, finding 2(b)): generated spellings of special-purpose
// addresses and local names, and generated resolutions of ordinary-looking names, through the URL
// guard and through the Node runtime's own lookup and fetch with dns.lookup overridden in-process
// (a hosts file of the test's making). None may reach a special-purpose address. Only loopback is
// ever connected to: the end-to-end part maps names to 127.0.0.1 and counts connections there.
import dns, { type LookupAddress } from "node:dns";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { specialAddressReason } from "../../src/node/outbound/special-addresses.ts";
import { UnsafeUrlError, unsafeUrlReason } from "../../src/node/outbound/ssrf.ts";
import { checkedLookup, outboundFetch } from "../../src/runtimes/node-outbound.ts";
import { connectionCounter, type ConnectionCounter } from "../support/connection-counter.ts";
import { seeded } from "../support/random.ts";

const random = seeded(0x55f);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (n: number) => Math.floor(random() * n);

/** IPv4 ranges to draw blocked addresses from: [first octets, prefix length]. */
const V4_RANGES: [number[], number][] = [
  [[0], 8], [[10], 8], [[100, 64], 10], [[127], 8], [[169, 254], 16], [[172, 16], 12], [[192, 0, 0], 24],
  [[192, 0, 2], 24], [[192, 31, 196], 24], [[192, 52, 193], 24], [[192, 88, 99], 24], [[192, 168], 16],
  [[192, 175, 48], 24], [[198, 18], 15], [[198, 51, 100], 24], [[203, 0, 113], 24], [[224], 4], [[240], 4],
];
const V6_PREFIXES: [string, number][] = [
  ["::", 128], ["::1", 128], ["::", 96], ["::ffff:0:0", 96], ["64:ff9b::", 96], ["64:ff9b:1::", 48], ["100::", 64],
  ["2001::", 23], ["2001:db8::", 32], ["2002::", 16], ["3fff::", 20], ["5f00::", 16], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8],
];

function blockedV4(): number[] {
  const [start, bits] = pick(V4_RANGES);
  const base = [...start, 0, 0, 0, 0].slice(0, 4).reduce((a, b) => a * 256 + b, 0);
  const value = base + int(2 ** (32 - bits));
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
}

function blockedV6(): string {
  const [prefix, bits] = pick(V6_PREFIXES);
  const parts = expand(prefix);
  for (let bit = bits; bit < 128; bit++) if (random() < 0.5) parts[bit >> 4]! |= 0x8000 >> (bit & 15);
  return parts.map((p) => p.toString(16)).join(":");
}

function expand(v6: string): number[] {
  const [head, tail] = v6.split("::") as [string, string | undefined];
  const h = head ? head.split(":").map((x) => parseInt(x, 16)) : [];
  const t = tail ? tail.split(":").map((x) => parseInt(x, 16)) : [];
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

const hex = (n: number) => `0x${n.toString(16)}`;
const oct = (n: number) => `0${n.toString(8)}`;
const fullWidth = (s: string) => s.replace(/[0-9a-z.]/g, (c) => (c === "." ? pick(["．", "。", "｡"]) : String.fromCharCode(c.charCodeAt(0) + 0xfee0)));
const percent = (s: string) => [...s].map((c) => (random() < 0.5 ? `%${c.charCodeAt(0).toString(16)}` : c)).join("");

/** Ways a URL may write one IPv4 address; the URL parser reads them all as that address. */
function spellV4([a, b, c, d]: number[]): string {
  const n = ((a! << 24) >>> 0) + (b! << 16) + (c! << 8) + d!;
  const h2 = (x: number) => x.toString(16).padStart(2, "0");
  return pick([
    () => `${a}.${b}.${c}.${d}`,
    () => `${a}.${b}.${c}.${d}.`,
    () => String(n),
    () => hex(n),
    () => oct(n),
    () => [a, b, c, d].map((x) => pick([String, hex, oct])(x!)).join("."),
    () => `${a}.${(b! << 16) + (c! << 8) + d!}`,
    () => `${a}.${b}.${(c! << 8) + d!}`,
    () => fullWidth(`${a}.${b}.${c}.${d}`),
    () => percent(`${a}.${b}.${c}.${d}`),
    () => `[::ffff:${a}.${b}.${c}.${d}]`,
    () => `[::FFFF:${h2(a!)}${h2(b!)}:${h2(c!)}${h2(d!)}]`,
    () => `[::${a}.${b}.${c}.${d}]`,
    () => `[64:ff9b::${a}.${b}.${c}.${d}]`,
    () => `[2002:${h2(a!)}${h2(b!)}:${h2(c!)}${h2(d!)}::1]`,
  ])();
}

/** Names that mean this machine or its network, in the spellings a URL may give them. */
function localName(): string {
  const label = () => pick(["foo", "x", "metadata", "db-1", "a.b", "www"]);
  const base = pick(["localhost", `${label()}.localhost`, "metadata.google.internal", `${label()}.internal`, `${label()}.local`, `${label()}.home.arpa`, "localhost.localdomain", pick(["metadata", "router", "intranet"])]);
  const cased = [...base].map((c) => (random() < 0.3 ? c.toUpperCase() : c)).join("");
  return pick([cased, `${cased}.`, fullWidth(base), percent(base)]);
}

const PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700::1111", "2a00:1450:4001::200e"];

describe("the URL guard", () => {
  test("refuses 3,000 generated spellings of special-purpose addresses and local names", () => {
    let urls = 0;
    for (let i = 0; i < 3000; i++) {
      const host = pick([() => spellV4(blockedV4()), () => `[${blockedV6()}]`, localName])();
      const url = `${pick(["http", "https", "HTTP"])}://${host}${pick(["", ":8080", ":443"])}/${pick(["", "mcp", ".well-known/mcpfed"])}`;
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        continue; // not a URL at all: nothing to connect to
      }
      urls++;
      expect(unsafeUrlReason(url, false), `${url} (read as ${parsed.hostname})`).toBeDefined();
    }
    expect(urls).toBeGreaterThan(2900);
  });

  test("lets ordinary global addresses and names through", () => {
    for (const host of [...PUBLIC.map((a) => (a.includes(":") ? `[${a}]` : a)), "mcp.example.com", "NODE.Example.com.", "xn--bcher-kva.example"]) {
      expect(unsafeUrlReason(`https://${host}/mcp`, false), host).toBeUndefined();
    }
  });
});

describe("the Node runtime's resolution check", () => {
  const original = dns.lookup;
  afterEach(() => {
    dns.lookup = original;
  });

  /** Makes every name resolve to `addresses`, as a hosts file would. */
  function resolveTo(addresses: string[]): void {
    dns.lookup = ((_host: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
      queueMicrotask(() => callback(null, addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))))) as unknown as typeof dns.lookup;
  }

  function lookup(host: string, all: boolean): Promise<unknown> {
    return new Promise((resolve, reject) =>
      checkedLookup(host, { all }, (err, address) => (err ? reject(err) : resolve(address))),
    );
  }

  test("refuses 2,000 generated resolutions that include a special-purpose address", async () => {
    for (let i = 0; i < 2000; i++) {
      const blocked = random() < 0.5 ? blockedV4().join(".") : blockedV6();
      const addresses = [...Array.from({ length: int(3) }, () => pick(PUBLIC)), blocked].sort(() => random() - 0.5);
      resolveTo(addresses);
      await expect(lookup(`n${i}.example.com`, random() < 0.5), addresses.join(",")).rejects.toBeInstanceOf(UnsafeUrlError);
    }
  });

  test("passes global addresses through unchanged", async () => {
    resolveTo(PUBLIC);
    expect(await lookup("mcp.example.com", true)).toEqual(PUBLIC.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })));
    expect(specialAddressReason(PUBLIC[0]!)).toBeUndefined();
  });

  describe("end to end through its fetch", () => {
    let target: ConnectionCounter;
    let port: number;

    beforeAll(async () => {
      target = await connectionCounter();
      port = target.port;
    });
    afterAll(() => target.close());

    test("never connects to a name that resolves to loopback, however the name is spelt", async () => {
      const guarded = outboundFetch(false);
      for (let i = 0; i < 200; i++) {
        resolveTo([pick(["127.0.0.1", "::ffff:127.0.0.1"])]);
        const name = pick([`r${i}.example.com`, `R${i}.Example.COM.`, `bücher${i}.example.net`, fullWidth(`r${i}.example.org`)]);
        const err = await guarded(`${pick(["http", "https"])}://${name}:${port}/`).catch((e: unknown) => e);
        expect((err as Error).cause, name).toBeInstanceOf(UnsafeUrlError);
      }
      expect(target.count()).toBe(0);
    });
  });
});
