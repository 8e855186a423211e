// Single-use reply blocks (docs/protocol.md §14.6), after Sphinx's SURBs (Danezis and Goldberg,
// 2009) in the KEM-based form of the forward packet (one X-Wing encapsulation per hop, as in
// KEMSphinx and Outfox). The consumer builds a reply header through three hops, the last of which
// delivers to the consumer itself; the exit gets the header, the first hop's routing and a key,
// and sends the answer as a new packet, without learning who will receive it. The header's MACs
// cover the header only (the payload does not exist yet); the answer is sealed end to end under
// the block's key, and each reply hop adds a payload layer that only the consumer removes.
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, toBase64url, utf8 } from "../../encoding/bytes.ts";
import type { XWing } from "../../identity/xwing.ts";
import { XWING_ENC_BYTES } from "../../identity/xwing.ts";
import { OnionError } from "./errors.ts";
import { hopKeys } from "./layer-keys.ts";
import { buildHeader, encapsulateAll, type OnionHop } from "./packet.ts";
import { openSealedReply, sealReply, type ReplySealKeys } from "./reply.ts";
import { decodeRouting, encodeRouting, type OnionRouting } from "./routing.ts";
import { bucketOfPacket, ONION_HEADER_BYTES, ONION_HOPS, ONION_MAC_BYTES, ONION_ROUTING_BYTES, type OnionBucket } from "./sizes.ts";
import { webOnionCipher, type OnionCipher } from "./stream-cipher.ts";

/** Names the block at its owner; it stands where the next hop's MAC would in the delivered packet. */
export const SURB_ID_BYTES = ONION_MAC_BYTES;
export const SURB_KEY_BYTES = 32;
/** First hop's routing ‖ reply header ‖ key: 6 176 bytes at the front of the exit's content. */
export const SURB_BYTES = ONION_ROUTING_BYTES + ONION_HEADER_BYTES + SURB_KEY_BYTES;
/** What the owner keeps: each reply hop's X-Wing shared secret, then the block's key. */
export const SURB_SECRETS_BYTES = ONION_HOPS * 32 + SURB_KEY_BYTES;

const SALT = utf8("mcpfed/1 onion");
const INFO = utf8("mcpfed/1 onion surb keys");

/** The stream and MAC keys the exit seals the answer under, from the block's key. */
export function surbSealKeys(key: Uint8Array): ReplySealKeys {
  const okm = hkdf(sha256, key, SALT, INFO, 64);
  return { reply: okm.slice(0, 32), replyMac: okm.slice(32) };
}

export interface BuiltSurb {
  /** The bytes the exit gets. */
  surb: Uint8Array;
  /** base64url of the 32-byte id. */
  id: string;
  secrets: Uint8Array;
}

/**
 * A reply block through `hops` (two `relay` routings, then `deliver` naming the owner), whose
 * first hop is `first` (a `relay` routing naming hops[0]'s node). `id`, `key`, `eseeds` and `tail`
 * (the bytes after the id in the delivered packet's KEM field) are drawn unless given (vectors).
 */
export async function buildSurb(
  x: XWing,
  o: { first: OnionRouting; hops: OnionHop[]; id?: Uint8Array; key?: Uint8Array; eseeds?: Uint8Array[]; tail?: Uint8Array; cipher?: OnionCipher },
): Promise<BuiltSurb> {
  if (o.first.kind !== "relay") throw new RangeError("a reply block's first hop is reached by relay routing");
  o.hops.forEach((h, i) => {
    if ((h.routing.kind === "deliver") !== (i === ONION_HOPS - 1) || (h.routing.kind !== "deliver" && h.routing.kind !== "relay")) throw new RangeError("a reply path relays twice, then delivers");
  });
  const id = o.id ?? crypto.getRandomValues(new Uint8Array(SURB_ID_BYTES));
  const key = o.key ?? crypto.getRandomValues(new Uint8Array(SURB_KEY_BYTES));
  // In the delivered packet the KEM field is this random tail: it looks like any ciphertext.
  const tail = o.tail ?? crypto.getRandomValues(new Uint8Array(XWING_ENC_BYTES));
  if (id.length !== SURB_ID_BYTES || key.length !== SURB_KEY_BYTES || tail.length !== XWING_ENC_BYTES) throw new RangeError("a reply block's id, key or tail has the wrong length");
  const encapsulated = await encapsulateAll(x, o.hops, o.eseeds);
  const header = await buildHeader(
    o.hops,
    encapsulated,
    encapsulated.map((e) => hopKeys(e.sharedSecret)),
    { lastTail: concat(id, tail), ...(o.cipher ? { cipher: o.cipher } : {}) },
  );
  return { surb: concat(encodeRouting(o.first), header, key), id: toBase64url(id), secrets: concat(...encapsulated.map((e) => e.sharedSecret), key) };
}

/** The exit's reading of a block: where to send the answer, the header, the sealing keys. */
export function decodeSurb(bytes: Uint8Array): { first: OnionRouting; header: Uint8Array; keys: ReplySealKeys } {
  if (bytes.length !== SURB_BYTES) throw new OnionError("bad_payload", `a reply block of ${bytes.length} bytes is not ${SURB_BYTES}`);
  const first = decodeRouting(bytes.subarray(0, ONION_ROUTING_BYTES));
  if (first.kind !== "relay") throw new OnionError("bad_routing", "a reply block's first routing is not relay");
  return { first, header: bytes.slice(ONION_ROUTING_BYTES, ONION_ROUTING_BYTES + ONION_HEADER_BYTES), keys: surbSealKeys(bytes.subarray(SURB_BYTES - SURB_KEY_BYTES)) };
}

/** The exit's content of a `surb-exit` packet: the block, then the request. */
export function splitSurbContent(content: Uint8Array): { surb: Uint8Array; request: Uint8Array } {
  if (content.length < SURB_BYTES) throw new OnionError("bad_payload", "the content is shorter than a reply block");
  return { surb: content.subarray(0, SURB_BYTES), request: content.subarray(SURB_BYTES) };
}

/** The answer as a new packet along the block: its header ‖ the answer sealed to the bucket. */
export async function replyPacket(surb: { header: Uint8Array; keys: ReplySealKeys }, content: Uint8Array, bucket: OnionBucket, cipher: OnionCipher = webOnionCipher): Promise<Uint8Array> {
  return concat(surb.header, await sealReply(surb.keys, content, bucket, cipher));
}

/** The block's id in a delivered packet (base64url), or undefined when the length is no packet's. */
export function surbIdOf(packet: Uint8Array): string | undefined {
  if (bucketOfPacket(packet.length) === undefined) return undefined;
  return toBase64url(packet.subarray(XWING_ENC_BYTES, XWING_ENC_BYTES + SURB_ID_BYTES));
}

/** What the owner holds of one block it made: its secrets, and whether an answer already came. */
export interface SurbEntry {
  secrets: Uint8Array;
  answered: boolean;
}

/**
 * The owner's opening of a delivered packet, given the entry its id names (undefined when none):
 * removes the three hops' payload layers, checks the exit's MAC, decrypts. Typed refusals:
 * `surb_unknown`, `surb_replayed`, `bad_reply`.
 */
export async function openSurbReply(entry: SurbEntry | undefined, packet: Uint8Array, cipher: OnionCipher = webOnionCipher): Promise<Uint8Array> {
  if (!entry) throw new OnionError("surb_unknown", "no reply block of this node has that id");
  if (entry.answered) throw new OnionError("surb_replayed", "the reply block was already answered");
  if (bucketOfPacket(packet.length) === undefined) throw new OnionError("wrong_size", `an onion packet of ${packet.length} bytes is no bucket's size`);
  if (entry.secrets.length !== SURB_SECRETS_BYTES) throw new RangeError("a reply block's secrets have the wrong length");
  let payload = packet.subarray(ONION_HEADER_BYTES);
  for (let i = 0; i < ONION_HOPS; i++) payload = await cipher.xorStream(hopKeys(entry.secrets.subarray(i * 32, i * 32 + 32)).payload, payload);
  return openSealedReply(surbSealKeys(entry.secrets.subarray(ONION_HOPS * 32)), payload, cipher);
}
