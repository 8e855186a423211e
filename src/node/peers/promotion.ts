// Under PEER_POLICY=trust, the tick lets in the pending peers that have earned it since their
// hello (src/node/peers/earned.ts), and tells each at once, as an operator's approval does.
import { listPeers } from "../../store/peers.ts";
import { approve, type PeeringPort } from "./hello.ts";
import { earnedPeering } from "./earned.ts";

export interface Promotion {
  id: string;
  ok: boolean;
  error?: string;
}

/** `origin` is this node's own, which the hello names. Pending peers are few: MAX_PENDING_PEERS bounds them. */
export async function promoteEarned(s: PeeringPort, origin: string): Promise<Promotion[]> {
  if (s.config.peerPolicy !== "trust") return [];
  const pending = (await listPeers(s.db)).filter((p) => p.state === "pending");
  const earned = await Promise.all(pending.map((p) => earnedPeering(s, p.nodeId)));
  return Promise.all(pending.filter((_, i) => earned[i]).map(async (p) => ({ id: p.nodeId, ...(await approve(s, p, origin)) })));
}
