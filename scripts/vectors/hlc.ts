// Hybrid logical clock (docs/protocol.md §7.2): the text form, a scripted run of one clock (each
// step at a stated wall-clock time, with its result), and refusals. The expected results are
// stated by hand from the rules; the generator refuses to write if the code disagrees.
import { decodeHlc, encodeHlc, HybridClock, MAX_DRIFT_MS } from "../../src/protocol/registry/hlc.ts";
import { agree, write } from "./common.ts";

const T = 1_767_225_600_000;
/** The text form by hand: 12 hex digits of wall ms, 4 of counter. */
const text = (wall: number, counter: number) => wall.toString(16).padStart(12, "0") + counter.toString(16).padStart(4, "0");

type Step =
  | { op: "tick"; now: number; result: string }
  | { op: "observe"; now: number; remote: string; result: boolean | "malformed" }
  | { op: "resume"; now: number; own: string };

const steps: (Step & { why: string })[] = [
  { why: "the first event takes the wall clock", op: "tick", now: T, result: text(T, 0) },
  { why: "within the same ms, the counter orders", op: "tick", now: T, result: text(T, 1) },
  { why: "a clock that went back does not go back", op: "tick", now: T - 5, result: text(T, 2) },
  { why: "a remote stamp ahead, within the drift", op: "observe", now: T, remote: text(T + 1000, 7), result: true },
  { why: "the next event sorts after it", op: "tick", now: T, result: text(T + 1000, 9) },
  { why: "a remote stamp at our wall: the larger counter, plus one", op: "observe", now: T + 1000, remote: text(T + 1000, 3), result: true },
  { why: "and the next event after that", op: "tick", now: T + 1000, result: text(T + 1000, 11) },
  { why: "more than the drift ahead: refused", op: "observe", now: T + 1000, remote: text(T + 1000 + MAX_DRIFT_MS + 1, 0), result: false },
  { why: "the refused stamp left the clock alone", op: "tick", now: T + 1000, result: text(T + 1000, 12) },
  { why: "exactly the drift ahead: taken", op: "observe", now: T + 1000, remote: text(T + 1000 + MAX_DRIFT_MS, 0), result: true },
  { why: "the clock now runs from it", op: "tick", now: T + 2000, result: text(T + 1000 + MAX_DRIFT_MS, 2) },
  { why: "a stamp this node issued itself is taken however far ahead", op: "resume", now: T + 2000, own: text(T + 3_600_000, 5) },
  { why: "after resuming", op: "tick", now: T + 2000, result: text(T + 3_600_000, 7) },
  { why: "a counter at its maximum", op: "observe", now: T + 3_600_000, remote: text(T + 3_600_000, 0xffff), result: true },
  { why: "the counter does not wrap: the wall moves 1 ms on", op: "tick", now: T + 3_600_000, result: text(T + 3_600_001, 1) },
  { why: "a malformed remote stamp throws", op: "observe", now: T + 3_600_000, remote: "019B76DAA8000000", result: "malformed" },
  { why: "and changes nothing", op: "tick", now: T + 3_600_000, result: text(T + 3_600_001, 2) },
];

export function hlcVectors(): void {
  let now = 0;
  const clock = new HybridClock(() => now);
  for (const s of steps) {
    now = s.now;
    if (s.op === "tick") agree(s.why, s.result, clock.tick());
    else if (s.op === "resume") clock.resume(s.own);
    else {
      let got: boolean | "malformed";
      try {
        got = clock.observe(s.remote);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        got = "malformed";
      }
      agree(s.why, s.result, got);
    }
  }

  const encoded = [
    { wall: 0, counter: 0, text: "0000000000000000" },
    { wall: T, counter: 1, text: "019b76daa8000001" },
    { wall: 2 ** 48 - 1, counter: 0xffff, text: "ffffffffffffffff" },
  ];
  for (const e of encoded) {
    agree(`encode ${e.text}`, e.text, encodeHlc(e));
    agree(`decode ${e.text}`, { wall: e.wall, counter: e.counter }, decodeHlc(e.text));
  }
  const refusedText = ["019b76daa800000", "019b76daa80000000", "019B76DAA8000000", "019b76daa800000g", ""];
  const refusedParts = [
    { wall: 2 ** 48, counter: 0 },
    { wall: 0, counter: 0x10000 },
    { wall: -1, counter: 0 },
    { wall: 1.5, counter: 0 },
  ];
  const throws = (f: () => unknown) => {
    try {
      f();
      return false;
    } catch (err) {
      return err instanceof RangeError;
    }
  };
  for (const t of refusedText) agree(`decode "${t}"`, true, throws(() => decodeHlc(t)));
  for (const h of refusedParts) agree(`encode ${JSON.stringify(h)}`, true, throws(() => encodeHlc(h)));

  write("hlc.json", {
    about:
      "Hybrid logical clock (docs/protocol.md §7.2). `run`: one clock, each step at wall-clock `now` (ms): tick gives `result`; observe a remote stamp gives whether it was taken " +
      `(refused beyond ${MAX_DRIFT_MS} ms ahead; "malformed" when it does not parse); resume takes a stamp the node issued itself. ` +
      "`encoded`: wall and counter with their text; `refused`: texts that do not decode and parts that do not encode.",
    maxDriftMs: MAX_DRIFT_MS,
    run: steps,
    encoded,
    refused: { text: refusedText, parts: refusedParts },
  });
}
