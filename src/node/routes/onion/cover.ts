// Cover traffic for the anonymous route (docs/protocol.md §14.10): on each tick, onion packets with
// no call in them, along paths chosen as a real call's are (to a provider drawn from the gateways
// this node knows, which the path then avoids), in the bucket a real call of this node uses, with
// the same per-hop delays. Only the last hop's routing differs: it says "cover", so that hop
// answers with an empty reply and drops it. Every earlier hop sees a packet built as any other.
import type { Card } from "../../../protocol/card/schema.ts";
import { ROLE_FEATURES } from "../../../protocol/routes/roles.ts";
import { ONION_BUCKETS } from "../../../protocol/routes/onion/sizes.ts";
import { log } from "../../logging/log.ts";
import { AnonymousCallError } from "../anonymous-call-error.ts";
import { candidates, PACKET_TTL_SECONDS, routingTo, sendOnion, type OnionConsumerPort } from "./consumer.ts";
import { chooseOnionPath, NoOnionPath } from "./path.ts";

/** The most cover packets one tick sends, whatever the rate and the period. */
export const MAX_COVER_PER_TICK = 600;

export type CoverPort = OnionConsumerPort & {
  config: { onion: { coverPerMinute: number }; tickSeconds: number };
  /** Counts one cover event: sent, answered (the empty reply came back and opened), lost. */
  counted: (event: "sent" | "answered" | "lost") => void;
  /** In [0, 1): rounds the per-tick count and draws the pretend provider. */
  random?: () => number;
};

export type CoverTickReport = { sent: number; answered: number; lost: number } | { skipped: string };

/** How many packets this tick sends: the rate over one period, its fraction rounded at random. */
export function coverCount(perMinute: number, tickSeconds: number, random: () => number): number {
  const exact = (perMinute * tickSeconds) / 60;
  return Math.min(MAX_COVER_PER_TICK, Math.floor(exact) + (random() < exact - Math.floor(exact) ? 1 : 0));
}

/** One tick's cover packets, one after another, for at most half a tick; a lost packet is counted, never thrown. */
export async function sendCover(s: CoverPort): Promise<CoverTickReport> {
  const random = s.random ?? Math.random;
  const count = coverCount(s.config.onion.coverPerMinute, s.config.tickSeconds, random);
  if (count === 0) return { skipped: "ONION_COVER_PER_MINUTE is 0" };
  const self = (await s.identity()).nodeId;
  const cards = await candidates(s, self);
  const gateways = cards.filter((c) => c.id !== self && c.features.includes(ROLE_FEATURES.gateway));
  if (gateways.length === 0) return { skipped: "no provider with a gateway is known, so no anonymous call could be sent either" };
  const bucket = ONION_BUCKETS.find((b) => b >= s.config.onion.minBucket)!;
  const report = { sent: 0, answered: 0, lost: 0 };
  // Cover never holds the tick's later steps (metrics, alerts) past half a period.
  const stopAt = s.now() + s.config.tickSeconds / 2;
  for (let i = 0; i < count; i++) {
    const now = s.now();
    if (now >= stopAt) break;
    const provider: Card = gateways[Math.floor(random() * gateways.length)]!;
    let hops: [Card, Card, Card];
    try {
      hops = (await chooseOnionPath({ self, provider: provider.id, cards, trust: s.trust, now })).hops;
    } catch (err) {
      if (err instanceof NoOnionPath) return { ...report, skipped: `no onion path: ${err.message}` };
      throw err;
    }
    report.sent++;
    s.counted("sent");
    const last = routingTo("cover", hops[2], now + PACKET_TTL_SECONDS, 0);
    try {
      const reply = await sendOnion(s, { hops, last, content: new Uint8Array(0), bucket });
      if (reply.length !== 0) throw new AnonymousCallError("anonymous", "a cover packet's reply is not empty");
      report.answered++;
      s.counted("answered");
    } catch (err) {
      if (!(err instanceof AnonymousCallError)) throw err;
      report.lost++;
      s.counted("lost");
      log.info("onion.cover_lost", { error: err.message });
    }
  }
  return report;
}
