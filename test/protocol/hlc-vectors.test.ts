// The hybrid logical clock vectors (test/vectors/hlc.json): one clock replays the scripted run
// step by step, and the text form encodes, decodes and refuses as stated.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeHlc, encodeHlc, HybridClock, MAX_DRIFT_MS } from "../../src/protocol/registry/hlc.ts";

type Step =
  | { why: string; op: "tick"; now: number; result: string }
  | { why: string; op: "observe"; now: number; remote: string; result: boolean | "malformed" }
  | { why: string; op: "resume"; now: number; own: string };
interface HlcVectors {
  maxDriftMs: number;
  run: Step[];
  encoded: { wall: number; counter: number; text: string }[];
  refused: { text: string[]; parts: { wall: number; counter: number }[] };
}

const v = JSON.parse(readFileSync(new URL("../vectors/hlc.json", import.meta.url), "utf8")) as HlcVectors;

describe("HLC vectors", () => {
  it("replays the run on one clock", () => {
    expect(v.maxDriftMs).toBe(MAX_DRIFT_MS);
    let now = 0;
    const clock = new HybridClock(() => now);
    for (const s of v.run) {
      now = s.now;
      if (s.op === "tick") expect(clock.tick(), s.why).toBe(s.result);
      else if (s.op === "resume") clock.resume(s.own);
      else if (s.result === "malformed") expect(() => clock.observe(s.remote), s.why).toThrow(RangeError);
      else expect(clock.observe(s.remote), s.why).toBe(s.result);
    }
  });

  it.each(v.encoded.map((e) => [e.text, e] as const))("encodes and decodes %s", (text, e) => {
    expect(encodeHlc(e)).toBe(text);
    expect(decodeHlc(text)).toEqual({ wall: e.wall, counter: e.counter });
  });

  it.each(v.refused.text.map((t) => [t] as const))('refuses to decode "%s"', (t) => {
    expect(() => decodeHlc(t)).toThrow(RangeError);
  });

  it.each(v.refused.parts.map((h) => [JSON.stringify(h), h] as const))("refuses to encode %s", (_name, h) => {
    expect(() => encodeHlc(h)).toThrow(RangeError);
  });
});
