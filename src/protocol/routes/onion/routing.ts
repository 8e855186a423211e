// The routing information one hop finds in its layer (§14.3): relay to the next hop, or, at the
// exit, hand the payload to a node's gateway (answering on the exchange, or by the single-use reply
// block at the payload's front: §14.6), or, at the last hop of a cover packet (§14.10), answer and
// drop it, or, at the last hop of a reply path, pass the packet to the reply block's owner. Fixed 384 bytes:
//   kind (1: 1 relay, 2 exit, 3 cover, 4 surb-exit, 5 deliver) · delay ms (u32) · expiry unix seconds (u64) ·
//   node id length (1) · node id · URL length (u16) · URL · zero bytes to the end.
import { z } from "zod";
import { concat, u16, u32, u64, utf8 } from "../../encoding/bytes.ts";
import { nodeId } from "../../identity/node-id.ts";
import { OnionError } from "./errors.ts";
import { ONION_ROUTING_BYTES } from "./sizes.ts";

export const onionRouting = z.object({
  kind: z.enum(["relay", "exit", "cover", "surb-exit", "deliver"]),
  /** Milliseconds the hop waits before forwarding (it caps this by its own limit). */
  delayMs: z.number().int().min(0).max(0xffffffff),
  /** Unix seconds after which the hop drops the packet; also how long it keeps the replay tag. */
  expires: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** The next hop, or at the exit the provider whose gateway gets the payload; for cover, the last hop itself; for deliver, the reply block's owner. */
  node: nodeId,
  /** That node's base URL, where its card is (`/.well-known/mcpfed`). */
  url: z
    .string()
    .max(1024)
    .refine((u) => URL.canParse(u) && ["http:", "https:"].includes(new URL(u).protocol), "an http(s) URL"),
});
export type OnionRouting = z.infer<typeof onionRouting>;

const KIND = { relay: 1, exit: 2, cover: 3, "surb-exit": 4, deliver: 5 } as const;
const FIXED = 1 + 4 + 8 + 1 + 2;

export function encodeRouting(r: OnionRouting): Uint8Array {
  const valid = onionRouting.parse(r);
  const id = utf8(valid.node);
  const url = utf8(valid.url);
  const used = FIXED + id.length + url.length;
  if (used > ONION_ROUTING_BYTES) throw new RangeError(`routing information of ${used} bytes exceeds ${ONION_ROUTING_BYTES}`);
  const out = new Uint8Array(ONION_ROUTING_BYTES);
  out.set(concat(Uint8Array.of(KIND[valid.kind]), u32(valid.delayMs), u64(valid.expires), Uint8Array.of(id.length), id, u16(url.length), url));
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

export function decodeRouting(bytes: Uint8Array): OnionRouting {
  const bad = (why: string) => new OnionError("bad_routing", `routing information ${why}`);
  if (bytes.length !== ONION_ROUTING_BYTES) throw bad("has the wrong length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = (Object.keys(KIND) as OnionRouting["kind"][]).find((k) => KIND[k] === bytes[0]);
  const idLength = bytes[13]!;
  const urlAt = 14 + idLength;
  if (urlAt + 2 > bytes.length) throw bad("overruns its block");
  const urlLength = view.getUint16(urlAt);
  const end = urlAt + 2 + urlLength;
  if (end > bytes.length) throw bad("overruns its block");
  if (bytes.subarray(end).some((b) => b !== 0)) throw bad("has bytes after its end");
  try {
    return onionRouting.parse({
      kind,
      delayMs: view.getUint32(1),
      expires: view.getUint32(5) * 2 ** 32 + view.getUint32(9),
      node: decoder.decode(bytes.subarray(14, urlAt)),
      url: decoder.decode(bytes.subarray(urlAt + 2, end)),
    });
  } catch {
    throw bad("is not valid");
  }
}
