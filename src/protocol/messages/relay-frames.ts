// The framing of a call's answer stream: each frame is a 4-byte big-endian length, then that many
// bytes of a sealed response (src/protocol/envelope/response.ts). Every frame is sealed on its own, so the
// consumer acts on progress as it arrives; a sequence number inside each frame makes a dropped,
// repeated or reordered frame detectable.
export const CALL_STREAM_CONTENT_TYPE = "application/mcpfed-frames";
/** A frame larger than this ends the stream as malformed. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** A stream longer than this (endless progress, say) ends as malformed. */
export const MAX_STREAM_BYTES = 32 * 1024 * 1024;

export class FrameError extends Error {
  override name = "FrameError";
}

export function encodeFrame(sealed: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + sealed.length);
  new DataView(out.buffer).setUint32(0, sealed.length);
  out.set(sealed, 4);
  return out;
}

/** Yields each frame's sealed bytes; throws a FrameError on a frame cut short, or a frame or stream too large. */
export async function* readFrames(body: ReadableStream<Uint8Array>, maxFrameBytes = MAX_FRAME_BYTES, maxStreamBytes = MAX_STREAM_BYTES): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let buffer = new Uint8Array(0);
  let total = 0;
  try {
    for (;;) {
      while (buffer.length >= 4) {
        const length = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0);
        if (length > maxFrameBytes) throw new FrameError(`a frame of ${length} bytes exceeds ${maxFrameBytes}`);
        if (buffer.length < 4 + length) break;
        yield buffer.slice(4, 4 + length);
        buffer = buffer.subarray(4 + length);
      }
      const { done, value } = await reader.read();
      if (done) {
        if (buffer.length > 0) throw new FrameError("the stream ended inside a frame");
        return;
      }
      total += value.length;
      if (total > maxStreamBytes) throw new FrameError(`the stream exceeds ${maxStreamBytes} bytes`);
      const joined = new Uint8Array(buffer.length + value.length);
      joined.set(buffer);
      joined.set(value, buffer.length);
      buffer = joined;
    }
  } catch (err) {
    await reader.cancel().catch(() => {}); // stop the rest of a bad stream coming in
    throw err;
  } finally {
    reader.releaseLock();
  }
}
