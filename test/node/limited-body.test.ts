// Capped reads of answers from other servers: the whole body, each event of an event stream
// (split across chunks anywhere, with any line ending), and a relay's framed stream in total.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { cappedResponse, readCapped, ResponseTooLargeError } from "../../src/node/outbound/limited-body.ts";
import { encodeFrame, FrameError, readFrames } from "../../src/protocol/messages/relay-frames.ts";
import { seeded } from "../support/random.ts";

const text = new TextEncoder();

/** A response whose body arrives in the given pieces. */
function response(pieces: (string | Uint8Array)[], contentType: string, headers: Record<string, string> = {}): Response {
  const chunks = pieces.map((p) => (typeof p === "string" ? text.encode(p) : p));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": contentType, ...headers } });
}

/** Cuts `s` into pieces at random places. */
function split(s: string, random: () => number): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < s.length) {
    const n = 1 + Math.floor(random() * 7);
    out.push(s.slice(at, at + n));
    at += n;
  }
  return out;
}

const caps = { bodyBytes: 100, eventBytes: 20 };

describe("cappedResponse", () => {
  test("passes a body within its cap, and errors past it", async () => {
    expect(await cappedResponse(response(["x".repeat(60), "y".repeat(40)], "application/json"), caps).text()).toHaveLength(100);
    await expect(cappedResponse(response(["x".repeat(60), "y".repeat(41)], "application/json"), caps).text()).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  test("leaves a body alone whose uncoded declared length is within the cap, and counts a coded one", async () => {
    const json = JSON.stringify({ text: "x".repeat(80) });
    const gzipped = gzipSync("x".repeat(1000));
    // A real server over loopback: HTTP framing, not a test double, holds the body to its length.
    const server = createServer((req, res) => {
      if (req.url === "/plain") res.writeHead(200, { "content-type": "application/json", "content-length": json.length }).end(json);
      else res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": gzipped.length }).end(gzipped);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const plain = await fetch(`${base}/plain`);
      expect(cappedResponse(plain, caps)).toBe(plain);
      expect(await plain.text()).toBe(json);
      const coded = await fetch(`${base}/coded`);
      expect(gzipped.length).toBeLessThanOrEqual(caps.bodyBytes);
      await expect(cappedResponse(coded, caps).text()).rejects.toBeInstanceOf(ResponseTooLargeError);
    } finally {
      server.close();
    }
  });

  test("caps each event of a stream, not the stream, whatever the line endings and chunking", async () => {
    const random = seeded(7);
    for (const eol of ["\n", "\r\n", "\r"]) {
      const event = `data: ${"e".repeat(14)}${eol}${eol}`; // 20 bytes of field
      const stream = event.repeat(50);
      for (let i = 0; i < 20; i++) {
        const res = cappedResponse(response(split(stream, random), "text/event-stream"), caps);
        expect(await res.text()).toBe(stream);
      }
      const long = `data: ${"e".repeat(10)}${eol}data: ${"e".repeat(10)}${eol}${eol}`; // one event of 32 bytes
      await expect(cappedResponse(response(split(event + long, random), "text/event-stream"), caps).text()).rejects.toBeInstanceOf(ResponseTooLargeError);
    }
  });
});

test("readCapped refuses a declared length past the cap before reading", async () => {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({ pull: (c) => void (pulled++, c.enqueue(new Uint8Array(10))) });
  const res = new Response(body, { headers: { "content-length": "1000000" } });
  await expect(readCapped(res, 100)).rejects.toBeInstanceOf(ResponseTooLargeError);
  expect(pulled).toBeLessThanOrEqual(1);
});

test("readFrames ends a stream that passes its total cap", async () => {
  const frames = Array.from({ length: 10 }, () => encodeFrame(new Uint8Array(96)));
  const read = async (max: number) => {
    const out = [];
    for await (const f of readFrames(response(frames, "application/mcpfed-frames").body!, 1000, max)) out.push(f);
    return out;
  };
  expect(await read(1000)).toHaveLength(10);
  await expect(read(999)).rejects.toBeInstanceOf(FrameError);
});
