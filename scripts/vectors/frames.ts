// Relayed calls (docs/protocol.md §6.6): the answer stream's frames, sealed to envelope.json's
// request with fixed nonces, framed and joined; streams a reader must refuse; and the request
// hashes an intent carries.
import { concat, u32, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { encodeFrame, FrameError, MAX_FRAME_BYTES, readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { requestHash } from "../../src/protocol/ledger/request-hash.ts";
import { agree, b64, counting, write } from "./common.ts";

/** What readFrames makes of a stream given as one chunk: the frames' bytes, or its error. */
async function read(stream: Uint8Array, limits: { maxFrameBytes?: number; maxStreamBytes?: number } = {}): Promise<string[] | string> {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      if (stream.length > 0) c.enqueue(stream);
      c.close();
    },
  });
  const out: string[] = [];
  try {
    for await (const f of readFrames(body, limits.maxFrameBytes, limits.maxStreamBytes)) out.push(b64(f));
    return out;
  } catch (err) {
    return err instanceof FrameError ? err.message : String(err);
  }
}

export async function frameVectors(sealResponse: (plaintext: Uint8Array, nonce: Uint8Array) => Promise<Uint8Array>): Promise<void> {
  const plaintexts = [
    { type: "progress", seq: 0, progress: 1, total: 2, message: "searching" },
    { type: "answer", seq: 1, answer: { ok: true, result: { content: [{ type: "text", text: "3 hits" }] }, receipt: {}, acked: [] } },
  ];
  const frames = [];
  const framed: Uint8Array[] = [];
  for (const [i, value] of plaintexts.entries()) {
    const plaintext = JSON.stringify(value);
    const nonce = counting(0x31 + i, 32);
    const sealed = await sealResponse(utf8(plaintext), nonce);
    framed.push(encodeFrame(sealed));
    frames.push({ plaintext, nonce: b64(nonce), sealed: b64(sealed), framed: b64(framed.at(-1)!) });
  }
  const stream = concat(...framed);
  agree("the stream", frames.map((f) => f.sealed), await read(stream));
  agree("an empty stream", [], await read(new Uint8Array(0)));

  const refused = [
    { name: "ends inside a frame", stream: stream.subarray(0, stream.length - 1), error: "the stream ended inside a frame" },
    { name: "ends inside a length prefix", stream: Uint8Array.of(0, 0), error: "the stream ended inside a frame" },
    { name: "a frame over 4 MiB", stream: u32(MAX_FRAME_BYTES + 1), error: `a frame of ${MAX_FRAME_BYTES + 1} bytes exceeds ${MAX_FRAME_BYTES}` },
    { name: "a stream over the reader's limit", stream, limits: { maxStreamBytes: stream.length - 1 }, error: `the stream exceeds ${stream.length - 1} bytes` },
  ];
  for (const r of refused) agree(r.name, r.error, await read(r.stream, r.limits));

  const hashes = [];
  for (const [name, tool, args] of [
    ["no arguments", "search", undefined],
    ["arguments", "search", { q: "ümlauts", limit: 3 }],
    ["the same arguments in another key order", "search", { limit: 3, q: "ümlauts" }],
    ["numbers, escapes and nesting", "archive/search", { big: 1e21, small: 0.1, zero: -0, bell: "\u0007", quote: '"', nested: { b: [1, { a: null }], a: true } }],
  ] as const) {
    const canonical = canonicalJson({ name: tool, arguments: args ?? {} });
    hashes.push({ name, tool, ...(args ? { arguments: args } : {}), canonical, hash: await requestHash(tool, args) });
  }
  agree("key order does not change the hash", hashes[1]!.hash, hashes[2]!.hash);

  write("frames.json", {
    about:
      "Relayed call answers (docs/protocol.md §6.6): each frame's plaintext is sealed to envelope.json's request with `nonce` (§5.5), then framed as u32 length || sealed; `stream` joins them. " +
      "`refused`: streams a reader ends with the error given (`limits` where a reader's own limit applies). `requestHashes`: an intent's `request`, sha256 of the JCS text `canonical` of {name, arguments}.",
    frames,
    stream: b64(stream),
    refused: refused.map((r) => ({ name: r.name, stream: b64(r.stream), ...(r.limits ? { limits: r.limits } : {}), error: r.error })),
    requestHashes: hashes,
  });
}
