// Which pending features are on at this node (docs/protocol.md §20.5): decided locally from the
// cards of the public nodes it knows and its trust in each, with the hysteresis remembered per
// process (a new process starts from the rule without it, and agrees within one threshold band).
import { adoption, isActive, usableWith, type KnownCard, type PendingFeature } from "../../protocol/activation.ts";
import type { TrustStandings } from "../trust/standing.ts";
import { listPeers } from "../../store/peers.ts";
import type { Database } from "../../store/database.ts";
import type { Config } from "../settings/config.ts";
import { knownNodes } from "./nodes.ts";

export interface FeatureAdoption extends PendingFeature {
  /** The trust-weighted share of known public nodes advertising it. */
  adoption: number;
  active: boolean;
  /** This node does not advertise it (FEATURES_OFF): it stays off here. */
  off?: true;
  /** Known public nodes advertising it, of `known`. */
  advertisedBy: number;
  known: number;
}

export interface FeatureActivationDeps {
  pending: readonly PendingFeature[];
  /** Features this node does not advertise (FEATURES_OFF): never on here, whatever their adoption. */
  off?: readonly string[];
  /** The weight of a node this node has no trust in yet. */
  trustFloor: number;
  /** The cards of the public nodes this node knows (peers' and the registry's), one per node. */
  cards: () => Promise<{ node: string; features: readonly string[] }[]>;
  trust: TrustStandings;
}

export class FeatureActivation {
  private readonly active = new Set<string>();
  #evaluated = false;

  constructor(private readonly deps: FeatureActivationDeps) {}

  /** Every pending feature's adoption now, turning each on or off by the rule. */
  async adoption(): Promise<FeatureAdoption[]> {
    if (this.deps.pending.length === 0) return [];
    this.#evaluated = true;
    const known: KnownCard[] = await Promise.all((await this.deps.cards()).map(async (c) => ({ features: c.features, trust: (await this.deps.trust.of(c.node)).score })));
    return this.deps.pending.map((p) => {
      const share = adoption(p.feature, known, this.deps.trustFloor);
      const on = !this.#off(p.feature) && isActive(p, share, this.active.has(p.feature));
      if (on) this.active.add(p.feature);
      else this.active.delete(p.feature);
      return { ...p, adoption: share, active: on, ...(this.#off(p.feature) ? { off: true as const } : {}), advertisedBy: known.filter((c) => c.features.includes(p.feature)).length, known: known.length };
    });
  }

  /** Whether a feature is on here: not pending, or adopted (judged now if no tick of this process has yet). */
  async on(feature: string): Promise<boolean> {
    if (this.#off(feature)) return false;
    if (!this.deps.pending.some((p) => p.feature === feature)) return true;
    if (!this.#evaluated) await this.adoption();
    return this.active.has(feature);
  }

  #off(feature: string): boolean {
    return this.deps.off?.includes(feature) ?? false;
  }

  /** Whether to use a feature with a node of these card features: on here, and advertised there. */
  async usableWith(feature: string, peerFeatures: readonly string[]): Promise<boolean> {
    if (this.#off(feature)) return false;
    if (!this.#evaluated) await this.adoption();
    return usableWith(feature, peerFeatures, this.active, this.deps.pending);
  }
}

/** The public nodes' cards this node holds: its peers' (not blocked) and those the registry told of, one per node. */
export async function knownPublicCards(s: { db: Database; nodeId: string; now: () => number; config: Pick<Config, "clockSkewSeconds"> }) {
  const cards = new Map<string, readonly string[]>();
  for (const p of await listPeers(s.db)) if (p.state !== "blocked") cards.set(p.nodeId, p.card.features);
  for (const n of await knownNodes(s)) if (!cards.has(n.card.id) && n.peer !== "blocked") cards.set(n.card.id, n.card.features);
  return [...cards].map(([node, features]) => ({ node, features }));
}
