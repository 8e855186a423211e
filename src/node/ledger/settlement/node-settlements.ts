// The node's settlements: its identity signs, its sealed store holds the processors' keys, the
// Stripe adapter reaches Stripe through the node's outbound fetch, and the message goes to active
// peers through the federation client.
import { settlementReply } from "../../../protocol/messages/settlement.ts";
import type { SettlementMethod } from "../../../protocol/ledger/settlement.ts";
import type { SecretBox } from "../../../secrets/sealed-box.ts";
import type { Database } from "../../../store/database.ts";
import { SettlementMethodStore, ThresholdStore } from "../../../store/settlements.ts";
import type { FederationClient } from "../../federation-client/client.ts";
import type { LocalIdentity } from "../../identity/local.ts";
import type { Outbound } from "../../outbound/outbound.ts";
import { identitySigner } from "../../registry/node-keys.ts";
import type { Ledger } from "../ledger.ts";
import type { SettlementAdapter } from "./adapter.ts";
import { manualAdapter } from "./manual.ts";
import { Settlements } from "./settlements.ts";
import { STRIPE_API_URL, StripeAdapter } from "./stripe.ts";

export interface NodeSettlements {
  settlements: Settlements;
  methods: SettlementMethodStore;
  thresholds: ThresholdStore;
  adapter: (method: SettlementMethod) => Promise<SettlementAdapter | undefined>;
}

export function nodeSettlements(o: { db: Database; secrets: SecretBox; identity: LocalIdentity; ledger: Ledger; federation: FederationClient; outbound: Outbound }): NodeSettlements {
  const methods = new SettlementMethodStore(o.db, o.secrets);
  const adapter = async (method: SettlementMethod): Promise<SettlementAdapter | undefined> => {
    if (method === "manual") return manualAdapter;
    const config = await methods.get(method);
    if (!config) return undefined;
    const { apiUrl, ...settings } = config.settings;
    return new StripeAdapter({ secret: config.secret, settings, apiUrl: apiUrl ?? STRIPE_API_URL, fetch: o.outbound.fetch });
  };
  const settlements = new Settlements({
    self: o.identity.nodeId,
    ledger: o.ledger,
    signer: async () => identitySigner(o.identity),
    adapter,
    send: (payee, request) => o.federation.callActive(payee, "settlement", request, settlementReply),
    now: () => Date.now(),
  });
  return { settlements, methods, thresholds: new ThresholdStore(o.db), adapter };
}
