// Publishing this node's scores as signed assertions (TRUST_PUBLISH), after Nostr's trusted
// assertions: peers may take them as one input among theirs. Only nodes at or above the second
// tier are asserted, the highest first and a bounded number, and an assertion is re-signed only
// when its score or tier moved or it grew old, so that gossip does not churn on every tick.
import { assertionBody } from "../../protocol/registry/trust-entries.ts";
import type { Database } from "../../store/database.ts";
import { liveTrustEntries } from "../../store/trust-entries.ts";
import type { Tier } from "./tiers.ts";
import { publishTrust, withdrawTrust, type TrustPublishPort } from "./publish.ts";

/** The most assertions this node keeps published. */
export const MAX_ASSERTIONS = 64;
/** Per mille a score must move before its assertion is re-signed. */
const MOVE = 20;
/** An assertion older than this is re-signed even when its score held. */
const REFRESH_SECONDS = 86_400;

export interface AssertionReport {
  published: number;
  withdrawn: number;
}

export async function publishAssertions(
  s: TrustPublishPort & { db: Database; trust: { tiers: readonly Tier[]; publish: "off" | "peers" | "public" } },
  scores: readonly { node: string; score: number; tier: string }[],
  now: number,
): Promise<AssertionReport> {
  const visibility = s.trust.publish === "public" ? "public" : "peers";
  const held = new Map<string, { score: number; tier: string; computedAt: number; visibility: string }>();
  for (const h of await liveTrustEntries(s.db, "assertion", { origins: [s.nodeId] })) {
    const body = assertionBody.safeParse(h.body);
    if (body.success) held.set(h.key, { ...body.data, visibility: h.visibility });
  }
  const floor = s.trust.tiers[1]?.threshold ?? Infinity;
  const wanted = s.trust.publish === "off" ? [] : scores.filter((x) => x.score >= floor && x.node !== s.nodeId).slice(0, MAX_ASSERTIONS);
  let published = 0;
  let withdrawn = 0;
  for (const x of wanted) {
    const score = Math.round(x.score * 1000);
    const h = held.get(x.node);
    held.delete(x.node);
    if (h && h.visibility === visibility && h.tier === x.tier && Math.abs(h.score - score) < MOVE && now - h.computedAt < REFRESH_SECONDS) continue;
    const stored = await publishTrust(s, "assertion", { subject: x.node, score, tier: x.tier, computedAt: now }, visibility);
    if (stored.length > 0) published++;
  }
  for (const subject of held.keys()) if ((await withdrawTrust(s, "assertion", subject)).length > 0) withdrawn++;
  return { published, withdrawn };
}
