// Reading the body of an answer from another server with a size cap that holds while streaming,
// so a hostile server cannot make this node buffer without end.
import { concat } from "../../protocol/encoding/bytes.ts";

export class ResponseTooLargeError extends Error {
  override name = "ResponseTooLargeError";
  constructor(readonly limit: number, what = "the answer") {
    super(`${what} is larger than ${limit} bytes`);
  }
}

/** The body's bytes, or undefined once it passes `limit` bytes (the rest is not read). */
export async function readLimited(res: Response, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > limit) {
    void res.body?.cancel().catch(() => {});
    return undefined;
  }
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return concat(...chunks);
}

/** The body's bytes; throws ResponseTooLargeError once it passes `limit`. */
export async function readCapped(res: Response, limit: number, what?: string): Promise<Uint8Array> {
  const bytes = await readLimited(res, limit);
  if (!bytes) throw new ResponseTooLargeError(limit, what);
  return bytes;
}

/**
 * Whether the body's length is declared, within `limit`, and what fetch hands over: HTTP framing
 * ends the body at its Content-Length, so nothing is left to count. A coded body (gzip…) is
 * declared by its coded length and fetch decodes it, so it is counted after all.
 */
function declaredWithin(headers: Headers, limit: number): boolean {
  const length = headers.get("content-length");
  const coding = headers.get("content-encoding");
  if (length === null || !/^\d+$/.test(length) || (coding !== null && coding.trim().toLowerCase() !== "identity")) return false;
  return Number(length) <= limit;
}

export interface StreamCaps {
  /** A whole answer that is not an event stream. */
  bodyBytes: number;
  /** One server-sent event, from one blank line to the next. */
  eventBytes: number;
}

/**
 * The same response, with a body that errors once it passes its cap: the whole body, or for
 * text/event-stream (which may rightly run for hours) each single event. A body whose declared
 * length holds it to the cap comes back as it is: a second stream per answer costs every call.
 */
export function cappedResponse(res: Response, caps: StreamCaps): Response {
  if (!res.body) return res;
  const sse = res.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
  const limit = sse ? caps.eventBytes : caps.bodyBytes;
  if (!sse && declaredWithin(res.headers, limit)) return res;
  let size = 0;
  // Event stream state: at the start of a line, and whether the last byte was a CR (of a CRLF).
  let lineStart = true;
  let afterCr = false;
  const countEvents = (chunk: Uint8Array) => {
    for (const byte of chunk) {
      if (byte === 0x0a && afterCr) {
        afterCr = false;
        continue;
      }
      afterCr = byte === 0x0d;
      if (byte === 0x0a || byte === 0x0d) {
        if (lineStart) size = 0; // a blank line ends the event
        lineStart = true;
      } else {
        lineStart = false;
        size++;
      }
      if (size > limit) return false;
    }
    return true;
  };
  const body = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const within = sse ? countEvents(chunk) : (size += chunk.length) <= limit;
        if (!within) throw new ResponseTooLargeError(limit, sse ? "an event of the stream" : "the answer");
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
