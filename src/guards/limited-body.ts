// Reading the body of an answer from another server with a size cap, so a hostile peer cannot
// make this node buffer without end.
import { concat } from "../bytes.ts";

/** The body's bytes, or undefined once it passes `limit` bytes (the rest is not read). */
export async function readLimited(res: Response, limit: number): Promise<Uint8Array | undefined> {
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return concat(...chunks);
}
