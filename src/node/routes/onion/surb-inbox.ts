// Answers to this node's own anonymous calls, delivered along their reply blocks (docs/protocol.md
// §14.6). A delivered packet names its block by the id where a MAC would stand; the block's row
// opens it (every reply hop's layer off, the exit's MAC checked) and keeps the answer for the call
// waiting on it, in whichever process that call runs. A block answers once: a second delivery is
// refused (surb_replayed) with the one drop answer; one for a block this node never made goes on to
// the hop, which refuses it as it refuses any packet it cannot open.
import { bucketOfPacket } from "../../../protocol/routes/onion/sizes.ts";
import { openSurbReply, surbIdOf } from "../../../protocol/routes/onion/surb.ts";
import type { OnionCipher } from "../../../protocol/routes/onion/stream-cipher.ts";
import type { OnionSurbs } from "../../../store/onion-surbs.ts";
import { log } from "../../logging/log.ts";
import { droppedOnRefusal, OnionDropped } from "./hop.ts";

export interface SurbInboxPort {
  /** Seconds since the epoch. */
  now: () => number;
  surbs: OnionSurbs;
  offer: { offers(role: "hop" | "exit"): boolean };
  cipher: OnionCipher;
}

/**
 * The answer to the last reply hop when `packet` is a delivery to one of this node's blocks;
 * undefined when it is no such packet and this node, as a hop, should process it. Throws OnionDropped.
 */
export async function receiveSurbAnswer(s: SurbInboxPort, packet: Uint8Array): Promise<Uint8Array | undefined> {
  const id = surbIdOf(packet);
  if (id === undefined) return undefined;
  const entry = await s.surbs.entry(id, s.now());
  // A hop cannot tell a stranger's packet from a delivery by its bytes: one for a block it lacks is a
  // hop's. A node offering neither role answers it as it answers any packet (route_not_offered, §14.5).
  if (!entry) {
    if (!s.offer.offers("hop") && !s.offer.offers("exit")) log.info("onion.dropped", { reason: "surb_unknown" });
    return undefined;
  }
  const answer = await droppedOnRefusal(() => openSurbReply(entry, packet, s.cipher));
  if (!(await s.surbs.answer(id, answer))) throw new OnionDropped("surb_replayed");
  log.info("onion.surb_answered", { bucket: bucketOfPacket(packet.length) });
  // The last reply hop wants a bucket-sized answer, as from any next hop; it carries nothing.
  return crypto.getRandomValues(new Uint8Array(bucketOfPacket(packet.length)!));
}
