// Choosing an onion path (docs/protocol.md §14.7): an exit that advertises `onion-exit`, then two
// hops that advertise `onion-hop`, all three distinct operators (distinct node ids and distinct
// card hosts), never this node or the provider, each drawn with a weight of its trust score (with
// a floor, so that newcomers carry some traffic too). Nodes in a hosting network already on the
// path weigh a tenth as much: a preference, not a rule, since one operator may hold many networks
// and a test on loopback has only one.
import type { Card } from "../../../protocol/card/schema.ts";
import { ROLE_FEATURES } from "../../../protocol/routes/roles.ts";
import type { TrustStandings } from "../../trust/standing.ts";

export const TRUST_FLOOR = 0.05;
const SAME_NETWORK_WEIGHT = 0.1;

export interface PathChoice {
  /** First hop, second hop, exit. */
  hops: [Card, Card, Card];
}

/** The card URL's host and port: one operator's address. */
export const hostOf = (card: Card) => new URL(card.url).host;

/** The hosting network: an IPv4 /16, an IPv6 /32, else the last two labels of the name (no public-suffix list here). */
export function networkOf(card: Card): string {
  const host = new URL(card.url).hostname;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return host.split(".").slice(0, 2).join(".");
  if (host.startsWith("[")) return host.slice(1, -1).split(":").slice(0, 2).join(":");
  return host.split(".").slice(-2).join(".");
}

export class NoOnionPath extends Error {
  override name = "NoOnionPath";
}

/**
 * Three cards for a path to `provider`, from `cards` (what this node holds); `random` in [0, 1).
 * The last is drawn from those offering `last` (default `onion-exit`; a reply path's last hop, which
 * delivers to this node, is an `onion-hop`). Throws NoOnionPath when fewer than three distinct operators can serve.
 */
export async function chooseOnionPath(
  o: { self: string; provider: string; cards: Card[]; trust: TrustStandings; now: number; random?: () => number; last?: string },
): Promise<PathChoice> {
  const random = o.random ?? Math.random;
  const live = o.cards.filter((c) => c.id !== o.self && c.id !== o.provider && c.exp > o.now);
  const weights = new Map(await Promise.all(live.map(async (c) => [c.id, Math.max(TRUST_FLOOR, (await o.trust.of(c.id)).score)] as const)));
  const chosen: Card[] = [];
  const pick = (feature: string): Card => {
    const hosts = new Set(chosen.map(hostOf));
    const networks = new Set(chosen.map(networkOf));
    const open = live.filter((c) => c.features.includes(feature) && !chosen.some((h) => h.id === c.id) && !hosts.has(hostOf(c)));
    if (open.length === 0) throw new NoOnionPath(`fewer than three distinct operators offer ${feature} (${chosen.length} chosen)`);
    const w = open.map((c) => weights.get(c.id)! * (networks.has(networkOf(c)) ? SAME_NETWORK_WEIGHT : 1));
    let r = random() * w.reduce((a, b) => a + b, 0);
    for (const [i, c] of open.entries()) {
      r -= w[i]!;
      if (r < 0) return c;
    }
    return open[open.length - 1]!;
  };
  chosen.push(pick(o.last ?? ROLE_FEATURES.exit));
  chosen.push(pick(ROLE_FEATURES.hop));
  chosen.push(pick(ROLE_FEATURES.hop));
  const [exit, second, first] = chosen as [Card, Card, Card];
  return { hops: [first, second, exit] };
}
