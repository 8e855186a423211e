// The forward onion packet (§14.2–14.4): a KEM-based Sphinx header (one X-Wing encapsulation per
// hop, as in KEMSphinx and Outfox) and a layered payload. Each hop decapsulates its ciphertext,
// checks its MAC over the header it received and a hash of the payload as it sees it, decrypts its
// routing slot, shifts the routing block left by one slot (appending keystream, which the sender
// predicted as filler so every MAC still holds), and removes its layer of the payload.
import { concat } from "../../encoding/bytes.ts";
import type { XWing, XWingPrivateKey, XWingPublicKey } from "../../identity/xwing.ts";
import { XWING_ENC_BYTES } from "../../identity/xwing.ts";
import { OnionError } from "./errors.ts";
import { hopKeys, mac, sameBytes, type HopKeys } from "./layer-keys.ts";
import { decodeRouting, encodeRouting, type OnionRouting } from "./routing.ts";
import {
  bucketFor,
  bucketOfPacket,
  ONION_BETA_BYTES,
  ONION_HEADER_BYTES,
  ONION_HOPS,
  ONION_LENGTH_BYTES,
  ONION_MAC_BYTES,
  ONION_ROUTING_BYTES,
  ONION_SLOT_BYTES,
  type OnionBucket,
} from "./sizes.ts";
import { webOnionCipher, type OnionCipher } from "./stream-cipher.ts";

export interface OnionHop {
  publicKey: XWingPublicKey;
  routing: OnionRouting;
}

export interface BuiltOnion {
  packet: Uint8Array;
  bucket: OnionBucket;
  /** Each hop's keys, first hop first: the sender opens the reply with them. */
  keys: HopKeys[];
  /** Each hop's X-Wing shared secret (for vectors and tests that play a hop). */
  sharedSecrets: Uint8Array[];
}

const ENC = XWING_ENC_BYTES;
const MAC_AT = ENC;
const BETA_AT = ENC + ONION_MAC_BYTES;

function pad(content: Uint8Array, size: number, what: string): Uint8Array {
  if (content.length + ONION_LENGTH_BYTES > size) throw new RangeError(`${what} of ${content.length} bytes does not fit ${size}`);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, content.length);
  out.set(content, ONION_LENGTH_BYTES);
  return out;
}

/** The content of a padded block, or undefined when its length prefix or padding is wrong. */
export function unpad(block: Uint8Array): Uint8Array | undefined {
  const length = new DataView(block.buffer, block.byteOffset, block.byteLength).getUint32(0);
  const end = ONION_LENGTH_BYTES + length;
  if (end > block.length || block.subarray(end).some((b) => b !== 0)) return undefined;
  return block.slice(ONION_LENGTH_BYTES, end);
}

/** Routing kinds only a reply packet carries (every other kind but `relay` is a forward packet's). */
const REPLY_KINDS = new Set<OnionRouting["kind"]>(["deliver"]);

const xor = (a: Uint8Array, b: Uint8Array) => a.map((x, i) => x ^ b[i]!);

/**
 * Builds a packet through `hops` (exactly three; the last one's routing is an exit's or cover) carrying
 * `content`. `eseeds` (64 bytes per hop) fix the encapsulations' randomness, for vectors only;
 * `cipher` is the runtime's AES-CTR and SHA-256 (WebCrypto unless given).
 */
export async function buildOnion(
  x: XWing,
  hops: OnionHop[],
  content: Uint8Array,
  options: { bucket?: OnionBucket; eseeds?: Uint8Array[]; cipher?: OnionCipher } = {},
): Promise<BuiltOnion> {
  const cipher = options.cipher ?? webOnionCipher;
  if (hops.length !== ONION_HOPS) throw new RangeError(`an onion path has exactly ${ONION_HOPS} hops`);
  hops.forEach((h, i) => {
    if ((h.routing.kind !== "relay") !== (i === ONION_HOPS - 1) || h.routing.kind === "deliver") throw new RangeError("only the last hop's routing is an exit or cover");
  });
  const bucket = options.bucket ?? bucketFor(content.length);
  if (bucket === undefined) throw new RangeError(`a payload of ${content.length} bytes fits no bucket`);
  const encapsulated = await encapsulateAll(x, hops, options.eseeds);
  const keys = encapsulated.map((e) => hopKeys(e.sharedSecret));

  // Payload as each hop receives it: the exit's is the padded content; each earlier hop's adds its layer.
  const payloads: Uint8Array[] = new Array(ONION_HOPS + 1);
  payloads[ONION_HOPS] = pad(content, bucket, "content");
  for (let i = ONION_HOPS - 1; i >= 0; i--) payloads[i] = await cipher.xorStream(keys[i]!.payload, payloads[i + 1]!);
  const payloadHashes = await Promise.all(payloads.slice(0, ONION_HOPS).map((p) => cipher.sha256(p)));
  const header = await buildHeader(hops, encapsulated, keys, { payloadHashes, cipher });
  return { packet: concat(header, payloads[0]!), bucket, keys, sharedSecrets: encapsulated.map((e) => e.sharedSecret) };
}

export function encapsulateAll(x: XWing, hops: OnionHop[], eseeds?: Uint8Array[]) {
  if (hops.length !== ONION_HOPS) throw new RangeError(`an onion path has exactly ${ONION_HOPS} hops`);
  return Promise.all(hops.map((h, i) => x.encapsulate(h.publicKey, eseeds?.[i])));
}

/**
 * The header `enc_1 ‖ γ_1 ‖ β_1`. With `payloadHashes`, each MAC also covers the payload as that hop
 * sees it (a forward packet); without, the header alone (a reply header, built before its payload
 * exists: §14.6). `lastTail` is what the last hop finds after its routing in its slot (zeros if absent);
 * `cipher` as for `buildOnion`.
 */
export async function buildHeader(
  hops: OnionHop[],
  encapsulated: { enc: Uint8Array }[],
  keys: HopKeys[],
  options: { payloadHashes?: Uint8Array[]; lastTail?: Uint8Array; cipher?: OnionCipher } = {},
): Promise<Uint8Array> {
  const { payloadHashes, lastTail } = options;
  const cipher = options.cipher ?? webOnionCipher;
  const streams = await Promise.all(keys.map((k) => cipher.xorStream(k.header, new Uint8Array(ONION_BETA_BYTES + ONION_SLOT_BYTES))));
  // Filler: the keystream hops 1..n−1 append, as it will stand when the last hop reads its block.
  let filler = new Uint8Array(0);
  for (let i = 0; i < ONION_HOPS - 1; i++) {
    const from = ONION_BETA_BYTES - i * ONION_SLOT_BYTES;
    filler = xor(concat(filler, new Uint8Array(ONION_SLOT_BYTES)), streams[i]!.subarray(from, ONION_BETA_BYTES + ONION_SLOT_BYTES));
  }
  const headerMac = (i: number, beta: Uint8Array) => (payloadHashes ? mac(keys[i]!.mac, encapsulated[i]!.enc, beta, payloadHashes[i]!) : mac(keys[i]!.mac, encapsulated[i]!.enc, beta));

  const last = ONION_HOPS - 1;
  const lastPlain = new Uint8Array(ONION_BETA_BYTES - filler.length);
  lastPlain.set(encodeRouting(hops[last]!.routing));
  if (lastTail) {
    if (lastTail.length > ONION_SLOT_BYTES - ONION_ROUTING_BYTES) throw new RangeError("the last hop's tail overruns its slot");
    lastPlain.set(lastTail, ONION_ROUTING_BYTES);
  }
  let beta = concat(xor(lastPlain, streams[last]!), filler);
  let gamma = headerMac(last, beta);
  for (let i = last - 1; i >= 0; i--) {
    const plain = concat(encodeRouting(hops[i]!.routing), gamma, encapsulated[i + 1]!.enc, beta.subarray(0, ONION_BETA_BYTES - ONION_SLOT_BYTES));
    beta = xor(plain, streams[i]!);
    gamma = headerMac(i, beta);
  }
  return concat(encapsulated[0]!.enc, gamma, beta);
}

export interface PeeledOnion {
  routing: OnionRouting;
  /** A reply packet (§14.6): its MAC covers the header only, and its routing is `relay` or `deliver`. */
  reply: boolean;
  bucket: OnionBucket;
  keys: HopKeys;
  /** For a relay: the packet for the next hop, the same size as the one received. */
  next?: Uint8Array;
  /** For the exit: the content the sender put in. */
  content?: Uint8Array;
}

/** One hop's processing of `packet` with its X-Wing key, at `now` (unix seconds). */
export async function peelOnion(x: XWing, privateKey: XWingPrivateKey, packet: Uint8Array, now: number, cipher: OnionCipher = webOnionCipher): Promise<PeeledOnion> {
  if (bucketOfPacket(packet.length) === undefined) throw new OnionError("wrong_size", `an onion packet of ${packet.length} bytes is no bucket's size`);
  // The payload's hash does not depend on the key: it is computed while the KEM runs.
  // A ciphertext whose X25519 part is no usable point makes the primitive throw: a refusal like any other.
  const decapsulated = x.decapsulate(privateKey, packet.subarray(0, ENC)).catch(() => {
    throw new OnionError("bad_kem", "the KEM ciphertext does not decapsulate");
  });
  const [sharedSecret, payloadHash] = await Promise.all([decapsulated, cipher.sha256(packet.subarray(ONION_HEADER_BYTES))]);
  return peeled(sharedSecret, packet, payloadHash, now, cipher);
}

/** The same, from the shared secret already decapsulated. */
export async function peelWithSecret(sharedSecret: Uint8Array, packet: Uint8Array, now: number, cipher: OnionCipher = webOnionCipher): Promise<PeeledOnion> {
  if (bucketOfPacket(packet.length) === undefined) throw new OnionError("wrong_size", `an onion packet of ${packet.length} bytes is no bucket's size`);
  return peeled(sharedSecret, packet, await cipher.sha256(packet.subarray(ONION_HEADER_BYTES)), now, cipher);
}

async function peeled(sharedSecret: Uint8Array, packet: Uint8Array, payloadHash: Uint8Array, now: number, cipher: OnionCipher): Promise<PeeledOnion> {
  const bucket = bucketOfPacket(packet.length)!;
  const keys = hopKeys(sharedSecret);
  const beta = packet.subarray(BETA_AT, ONION_HEADER_BYTES);
  const payload = packet.subarray(ONION_HEADER_BYTES);
  const gamma = packet.subarray(MAC_AT, BETA_AT);
  // A forward packet's MAC covers the payload too; a reply packet's, built before its payload, the header only.
  const reply = !sameBytes(mac(keys.mac, packet.subarray(0, ENC), beta, payloadHash), gamma);
  if (reply && !sameBytes(mac(keys.mac, packet.subarray(0, ENC), beta), gamma)) throw new OnionError("bad_mac", "the layer's MAC does not verify");

  const [opened, inner] = await Promise.all([cipher.xorStream(keys.header, concat(beta, new Uint8Array(ONION_SLOT_BYTES))), cipher.xorStream(keys.payload, payload)]);
  const routing = decodeRouting(opened.subarray(0, ONION_ROUTING_BYTES));
  if (reply !== REPLY_KINDS.has(routing.kind) && routing.kind !== "relay") throw new OnionError("bad_routing", `a ${reply ? "reply" : "forward"} packet cannot end in ${routing.kind}`);
  if (now > routing.expires) throw new OnionError("expired", "the packet expired");
  if (routing.kind !== "relay" && routing.kind !== "deliver") {
    const content = unpad(inner);
    if (content === undefined) throw new OnionError("bad_payload", "the payload's padding is wrong");
    return { routing, reply, bucket, keys, content };
  }
  const next = concat(opened.subarray(ONION_ROUTING_BYTES + ONION_MAC_BYTES, ONION_SLOT_BYTES), opened.subarray(ONION_ROUTING_BYTES, ONION_ROUTING_BYTES + ONION_MAC_BYTES), opened.subarray(ONION_SLOT_BYTES), inner);
  return { routing, reply, bucket, keys, next };
}
