// Paying for a priced package (protocol §18.6): the installer buys a licence from the publisher the
// way a subscription grant is bought (§8.2, the subscribe message): a two-party ledger record,
// signed by both, naming `<publisher>/package/<name>@<version>`. `per: "install"` is bought once per
// package and installing node, `per: "update"` for every version installed. The running package's
// calls are local and never make a record.
import type { z } from "zod";
import type { Pricing } from "../../protocol/ledger/pricing.ts";
import { packageOfKey, type PackagePrice } from "../../protocol/registry/package-entries.ts";
import type { subscribeReply, subscribeRequest } from "../../protocol/messages/relay.ts";
import { livePackageEntries, type PackageEntry } from "../../store/packages.ts";
import { getPeer } from "../../store/peers.ts";
import { listSubscriptions } from "../../store/subscriptions.ts";
import { purchaseGrant, sellGrant, type Purchase, type SubscriptionPort } from "../relay/subscriptions.ts";
import { BudgetRefused } from "../budgets/call-charges.ts";
import { pushCountersigned } from "../relay/countersigns.ts";
import { PackageError } from "./errors.ts";

type Reply = z.infer<typeof subscribeReply>;

/** A licence does not lapse: its grant runs a century. */
const LICENCE_SECONDS = 100 * 365 * 24 * 3600;

export function isPackageKey(key: string): boolean {
  return key.startsWith("package/");
}

/** What the licence's grant and record name: the package version at its publisher. */
function licensed(entry: PackageEntry): { id: string; fingerprint: string } {
  return { id: `${entry.signed.origin}/${entry.signed.key}`, fingerprint: `sha256:${entry.id}` };
}

function pricingOf(price: PackagePrice): Pricing {
  return { model: "subscription", amount: price.amount, unit: price.unit, periodSeconds: LICENCE_SECONDS };
}

/** Whether installing `entry` here must be paid for: priced, and not yet bought (for the package, or for this version when per update). */
export async function licenceDue(s: Pick<SubscriptionPort, "db">, entry: PackageEntry): Promise<boolean> {
  const price = entry.signed.body.price;
  if (!price) return false;
  const held = (await listSubscriptions(s.db)).filter((x) => x.provider === entry.signed.origin);
  const tool = licensed(entry).id;
  const packagePrefix = `${entry.signed.origin}/package/${entry.signed.body.name}@`;
  return price.per === "update" ? !held.some((x) => x.tool === tool) : !held.some((x) => x.tool.startsWith(packagePrefix));
}

/** The publisher's side: the key must be its own live, priced package version. */
export async function sellLicence(s: SubscriptionPort, from: string, request: z.infer<typeof subscribeRequest>): Promise<Reply> {
  const named = packageOfKey(request.key);
  const entry = named && (await livePackageEntries(s.db, { origin: s.nodeId, name: named.name })).find((e) => e.signed.key === request.key);
  if (!entry) return { ok: false, error: { code: "not_shared", message: `${request.key} is not a package this node publishes` } };
  if (!entry.signed.body.price) return { ok: false, error: { code: "price_changed", message: `${request.key} is free: there is no licence to buy` } };
  return sellGrant(s, from, request, { tool: licensed(entry), pricing: pricingOf(entry.signed.body.price) }, "licence");
}

/** The installer's side: buys the licence at the entry's price, and delivers the countersignature at once. */
export async function buyLicence(s: SubscriptionPort & { defer: (work: Promise<unknown>) => void }, entry: PackageEntry, payer?: string): Promise<Purchase> {
  const price = entry.signed.body.price;
  if (!price) throw new RangeError("a free package has no licence");
  const provider = entry.signed.origin;
  const refuse = (why: string) => new PackageError("licence_refused", `${entry.signed.key} costs ${price.amount} ${price.unit} per ${price.per}, and its licence could not be bought: ${why}`);
  const peer = await getPeer(s.db, provider);
  if (peer?.state !== "active") throw refuse(`its publisher ${provider} is not an active peer of this node`);
  let bought: Purchase;
  try {
    bought = await purchaseGrant(s, peer, { provider, key: entry.signed.key, tool: licensed(entry), pricing: pricingOf(price), ...(payer === undefined ? {} : { payer }) }, refuse);
  } catch (err) {
    if (err instanceof PackageError || err instanceof BudgetRefused) throw err;
    throw refuse(err instanceof Error ? err.message : String(err));
  }
  // No call to the publisher need follow: push the countersignature so both hold the record confirmed.
  s.defer(pushCountersigned(s, s.relay.outbox, provider));
  return bought;
}
