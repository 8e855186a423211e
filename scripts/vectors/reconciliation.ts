// Range-based set reconciliation (docs/protocol.md §7.7): a whole run between two item sets, each
// message with its decoded ranges; single messages for every mode, encoded; and messages a
// decoder must refuse, with the reason.
import { fromBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { decodeMessage, encodeMessage, ReconcileFormatError, ReconcileSession, ReconcileSet, respond, type ReconcileItem, type ReconcileParams } from "../../src/protocol/reconciliation.ts";
import { agree, b64, counting, hex, write } from "./common.ts";

type Decoded = ReturnType<typeof decodeMessage>;
type Range = Decoded[number];

/** A range as JSON: bytes in hex, `upper` "~" for infinity. */
function rangeJson(r: Range) {
  switch (r.mode) {
    case "fingerprint":
      return { upper: r.upper, mode: r.mode, fingerprint: hex(r.fingerprint) };
    case "skip":
      return { upper: r.upper, mode: r.mode };
    case "ids":
      return { upper: r.upper, mode: r.mode, ids: r.ids };
    case "diff":
      return { upper: r.upper, mode: r.mode, missing: r.missing, lacks: r.lacks };
  }
}

const decoded = (message: string) => decodeMessage(message).map(rangeJson);

async function refusal(message: string, respondWith?: ReconcileSet): Promise<string> {
  try {
    if (respondWith) await respond(respondWith, message);
    else decodeMessage(message);
    return "accepted";
  } catch (err) {
    return err instanceof ReconcileFormatError ? err.message : String(err);
  }
}

export async function reconciliationVectors(): Promise<void> {
  const item = async (i: number): Promise<ReconcileItem> => ({
    hlc: encodeHlc({ wall: 1_767_225_600_000 + i * 1000, counter: i % 3 }),
    id: hex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(`item ${i}`)))),
  });
  const all = await Promise.all(Array.from({ length: 62 }, (_, i) => item(i)));
  const initiator = all.filter((_, i) => i < 60 && i !== 7 && i !== 33);
  const responder = all.filter((_, i) => i !== 12);
  const params: ReconcileParams = { branching: 4, idListMax: 4, frameBytes: 256 * 1024 };

  const session = new ReconcileSession(ReconcileSet.of(initiator), params);
  const B = ReconcileSet.of(responder);
  const rounds: { from: "initiator" | "responder"; message: string; ranges: unknown[] }[] = [];
  for (let m: string | undefined = await session.start(); m !== undefined; ) {
    rounds.push({ from: "initiator", message: m, ranges: decoded(m) });
    const reply = await respond(B, m, params);
    rounds.push({ from: "responder", message: reply, ranges: decoded(reply) });
    m = await session.next(reply);
  }
  // The differences, stated from the sets themselves: the run must find exactly these.
  const have = [all[12]!.id];
  const need = [7, 33, 60, 61].map((i) => all[i]!.id.slice(0, 16)).sort();
  agree("the run's differences", { have, need }, { have: [...session.found.have].sort(), need: [...session.found.need].sort() });

  // One message per mode, and bounds with and without an id prefix.
  const fp = counting(0xf0, 16);
  const singles = {
    "an empty set's first message: one id list up to infinity": [{ upper: "~", mode: "ids", ids: [] }],
    "every mode, bounds with and without an id prefix": [
      { upper: "019b7ec9d4000000", mode: "skip" },
      { upper: "019b7ec9d7e80001ab", mode: "fingerprint", fingerprint: fp },
      { upper: "019b7ec9dbd00002abcd", mode: "ids", ids: ["0011223344556677", "8899aabbccddeeff"] },
      { upper: "~", mode: "diff", missing: ["0123456789abcdef"], lacks: [true, false, false, true, false, false, false, false, true] },
    ],
  } as const;
  const encoded = Object.entries(singles).map(([name, ranges]) => {
    const message = encodeMessage(ranges as unknown as Decoded);
    agree(name, ranges.map((r) => ("fingerprint" in r ? { ...r, fingerprint: hex(r.fingerprint) } : r)), decoded(message));
    return { name, message, ranges: decoded(message) };
  });

  const every = fromBase64url(encoded[1]!.message);
  const bytes = (...b: number[]) => b64(Uint8Array.from(b));
  const varint = (n: number) => {
    const out: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
    return [...out, n];
  };
  const refused: { name: string; message: string; error: string; respondWith?: "responder" }[] = [
    { name: "not base64url (padded)", message: "AQ==", error: "not base64url" },
    { name: "empty", message: "", error: "truncated varint" },
    { name: "an unknown version", message: bytes(2), error: "unknown reconciliation version" },
    { name: "an unknown mode", message: bytes(1, 0, 4), error: "count out of range" },
    { name: "cut short inside a fingerprint", message: b64(every.subarray(0, 30)), error: "truncated message" },
    { name: "a range after infinity", message: bytes(1, 0, 0, 0, 0), error: "range after infinity" },
    { name: "bounds that do not ascend", message: bytes(1, 2, 0, 0, 0, 1, 0, 0, 0), error: "bounds must ascend" },
    { name: "a counter over 0xffff", message: bytes(1, 1, 0x80, 0x80, 0x04, 0, 0), error: "count out of range" },
    { name: "a bound past 2^48 - 1 ms", message: bytes(1, ...varint(2 ** 48 + 1), 0, 0, 0), error: "bound out of range" },
    { name: "an id prefix over 32 bytes", message: bytes(1, 1, 0, 33), error: "count out of range" },
    { name: "a varint over 70 bits", message: bytes(1, ...Array(10).fill(0x80), 1), error: "varint too long" },
    { name: "a diff sent to the responder", message: encoded[1]!.message, error: "only the initiator receives diffs", respondWith: "responder" },
  ];
  for (const r of refused) agree(r.name, r.error, await refusal(r.message, r.respondWith ? B : undefined));

  write("reconciliation.json", {
    about:
      "Range-based set reconciliation (docs/protocol.md §7.7). `run`: the initiator's and the responder's items (hlc, id), the parameters, every message in order with its decoded ranges, " +
      "and the differences the initiator ends with (`have`: its ids the responder lacks; `need`: 8-byte prefixes of the responder's ids it lacks). " +
      '`encoded`: single messages and their ranges (`upper` "~" is infinity; fingerprints in hex). `refused`: messages a decoder refuses, with the reason; `respondWith` names the set that answers it.',
    run: { params, initiator, responder, rounds, have, need },
    encoded,
    refused,
  });
}
