// Random mutation of valid channel frames: bit flips, truncations, splices of two frames, inserted
// bytes and edited header fields. None may be accepted, and each must be refused with a typed
// ChannelError, never another exception, and nothing may reach the replay cache. Seeded, so a
// failure reproduces.
import { describe, expect, it } from "vitest";
import { ChannelError, type ChannelErrorCode } from "../../src/protocol/channel/errors.ts";
import { ratchet, type EpochSecrets } from "../../src/protocol/channel/handshake.ts";
import { openChannelFrame, type OpenChannelOptions } from "../../src/protocol/channel/open.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";

const MUTATIONS = 12_000;
const T0 = 1_767_225_600;
const SKEW = 60;
const EPOCH = 600;

/** mulberry32: a small seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n), byte: () => Math.floor(next() * 256) };
}

describe("channel frames under random mutation", () => {
  it(`refuses all of ${MUTATIONS} mutated frames with a typed ChannelError`, { timeout: 60_000 }, async () => {
    const r = prng(0x13c4a77e);
    const cid = Uint8Array.from({ length: 16 }, () => r.byte());
    const secrets: EpochSecrets = { epoch: 0, c: Uint8Array.from({ length: 32 }, () => r.byte()), s: Uint8Array.from({ length: 32 }, () => r.byte()) };
    const timing = { startsAt: T0, epochSeconds: EPOCH, expiresAt: T0 + 10 * EPOCH };
    const now = T0 + EPOCH + 5; // near a boundary: epochs 0 and 1 are both acceptable
    const recorded = new Set<string>();
    const options: OpenChannelOptions = {
      channels: { find: async (c) => (c === toBase64url(cid) ? { peer: "peer", ...timing, secretFor: async (n) => ratchet(secrets, n) } : undefined) },
      replay: { seen: async (_s, jti) => recorded.has(jti), record: async (_s, jti) => !recorded.has(jti) && !!recorded.add(jti) },
      now,
      skew: SKEW,
      path: "/federation/v1/ping",
      maxBytes: 4096,
      laneAnswers: true,
    };
    const valid: Uint8Array[] = [];
    for (let i = 0; i < 8; i++) {
      const epoch = i % 2;
      const f = await sealChannelFrame({
        cid,
        secrets: ratchet(secrets, epoch),
        lane: Uint8Array.from({ length: 16 }, () => r.byte()),
        seq: r.int(1000),
        now: now - 30 + r.int(60),
        path: "/federation/v1/ping",
        plaintext: utf8(JSON.stringify({ type: "ping", pad: "x".repeat(r.int(200)) })),
      });
      // Each original opens (on a copy of the options, so the fuzz's replay cache starts empty and
      // a mutation that keeps the frame's id reaches the tag check).
      expect((await openChannelFrame(f.bytes, { ...options, replay: { seen: async () => false, record: async () => true } })).plaintext.length).toBeGreaterThan(0);
      valid.push(f.bytes);
    }
    const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

    const HEADER_FIELDS = [
      [2, 16], // cid
      [18, 4], // epoch
      [22, 16], // lane
      [38, 8], // seq
      [46, 8], // iat
      [54, 1], // path length
      [0, 2], // header length
    ] as const;
    const mutate = (f: Uint8Array): Uint8Array => {
      const kind = r.int(6);
      if (kind === 0) {
        const out = f.slice();
        for (let n = 1 + r.int(3); n > 0; n--) out[r.int(out.length)]! ^= 1 << r.int(8);
        return out;
      }
      if (kind === 1) return f.slice(0, r.int(f.length));
      if (kind === 2) {
        const g = valid[r.int(valid.length)]!;
        const cut = r.int(Math.min(f.length, g.length));
        // f's start, g's rest, joined at the same offset or one byte off either way.
        return Uint8Array.from([...f.subarray(0, cut), ...g.subarray(Math.max(0, cut + r.int(3) - 1))]);
      }
      if (kind === 3) {
        const at = r.int(f.length + 1);
        const extra = Array.from({ length: 1 + r.int(4) }, () => r.byte());
        return Uint8Array.from([...f.subarray(0, at), ...extra, ...f.subarray(at)]);
      }
      if (kind === 4) {
        const [at, len] = HEADER_FIELDS[r.int(HEADER_FIELDS.length)]!;
        const out = f.slice();
        // Small edits (±1 in the last byte) reach the later checks; random ones the earlier.
        if (r.next() < 0.5) out[at + len - 1] = (out[at + len - 1]! + (r.next() < 0.5 ? 1 : 255)) & 0xff;
        else for (let i = 0; i < len; i++) out[at + i] = r.byte();
        return out;
      }
      // A path byte swapped for another (ASCII or not).
      const out = f.slice();
      out[55 + r.int(out[54]!)] = r.byte();
      return out;
    };

    const codes = new Map<ChannelErrorCode, number>();
    for (let i = 0; i < MUTATIONS; i++) {
      const base = valid[r.int(valid.length)]!;
      const bytes = mutate(base);
      // A mutation that happens to give back a valid frame is no mutation: draw again.
      if (valid.some((v) => same(v, bytes))) {
        i--;
        continue;
      }
      let outcome: unknown;
      try {
        await openChannelFrame(bytes, options);
        outcome = "accepted";
      } catch (err) {
        outcome = err;
      }
      if (!(outcome instanceof ChannelError)) throw new Error(`mutation ${i} was ${outcome === "accepted" ? "accepted" : `refused with ${String(outcome)}`}: ${toBase64url(bytes)}`);
      codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
    }
    expect(recorded.size).toBe(0);
    // The mutations reach every check, not only the first.
    for (const code of ["malformed", "unknown_channel", "wrong_endpoint", "not_yet_valid", "expired", "stale_epoch", "decrypt_failed"] as const) {
      expect(codes.get(code) ?? 0, `${code}: ${JSON.stringify([...codes])}`).toBeGreaterThan(0);
    }
  });
});
