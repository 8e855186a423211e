// Replies ride back on the same HTTP exchanges (§14.6): the exit pads the answer to the packet's
// bucket, encrypts it under its reply key and MACs the ciphertext; every earlier hop adds a layer
// under its own reply key. The sender removes the layers with the keys it derived when building
// the packet and checks the exit's MAC, so a change anywhere on the way back is detected. No hop
// keeps state: its reply key comes from the header it has just processed.
import { concat } from "../../encoding/bytes.ts";
import { OnionError } from "./errors.ts";
import { mac, sameBytes, type HopKeys } from "./layer-keys.ts";
import { unpad } from "./packet.ts";
import { ONION_LENGTH_BYTES, ONION_MAC_BYTES, type OnionBucket } from "./sizes.ts";
import { webOnionCipher, type OnionCipher } from "./stream-cipher.ts";

/** The keys the exit seals a reply under: its own hop's, or a reply block's (§14.6). */
export type ReplySealKeys = Pick<HopKeys, "reply" | "replyMac">;

/** The exit's reply: `content` padded to `bucket` less the MAC, encrypted, then MACed. */
export async function sealReply(exit: ReplySealKeys, content: Uint8Array, bucket: OnionBucket, cipher: OnionCipher = webOnionCipher): Promise<Uint8Array> {
  const room = bucket - ONION_MAC_BYTES;
  if (content.length + ONION_LENGTH_BYTES > room) throw new RangeError(`a reply of ${content.length} bytes does not fit the ${bucket}-byte bucket`);
  const padded = new Uint8Array(room);
  new DataView(padded.buffer).setUint32(0, content.length);
  padded.set(content, ONION_LENGTH_BYTES);
  const body = await cipher.xorStream(exit.reply, padded);
  return concat(body, mac(exit.replyMac, body));
}

/** A relay's layer on the reply its successor gave it. */
export async function wrapReply(hop: HopKeys, reply: Uint8Array, bucket: OnionBucket, cipher: OnionCipher = webOnionCipher): Promise<Uint8Array> {
  if (reply.length !== bucket) throw new OnionError("bad_reply", `a reply of ${reply.length} bytes is not the ${bucket}-byte bucket`);
  return cipher.xorStream(hop.reply, reply);
}

/** The sender's view: removes every layer (keys first hop first) and checks the exit's MAC. */
export async function openReply(keys: HopKeys[], reply: Uint8Array, bucket: OnionBucket, cipher: OnionCipher = webOnionCipher): Promise<Uint8Array> {
  if (reply.length !== bucket) throw new OnionError("bad_reply", `a reply of ${reply.length} bytes is not the ${bucket}-byte bucket`);
  let layered = reply;
  for (const k of keys.slice(0, -1)) layered = await cipher.xorStream(k.reply, layered);
  return openSealedReply(keys[keys.length - 1]!, layered, cipher);
}

/** The exit's sealed reply, every hop's layer removed: checks the MAC, decrypts and unpads. */
export async function openSealedReply(exit: ReplySealKeys, sealed: Uint8Array, cipher: OnionCipher = webOnionCipher): Promise<Uint8Array> {
  const body = sealed.subarray(0, sealed.length - ONION_MAC_BYTES);
  if (!sameBytes(mac(exit.replyMac, body), sealed.subarray(sealed.length - ONION_MAC_BYTES))) throw new OnionError("bad_reply", "the reply's MAC does not verify");
  const content = unpad(await cipher.xorStream(exit.reply, body));
  if (content === undefined) throw new OnionError("bad_reply", "the reply's padding is wrong");
  return content;
}
