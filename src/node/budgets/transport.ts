// Budget messages to peers over the federation client (sealed envelopes or channel frames).
import { budgetAskResult, budgetSyncResult } from "../../protocol/budgets/messages.ts";
import type { FederationClient } from "../federation-client/client.ts";
import type { BudgetTransport } from "./budgets.ts";

export function budgetTransport(federation: FederationClient): BudgetTransport {
  return {
    sync: (peer, request) => federation.callActive(peer, "budget-sync", request, budgetSyncResult),
    ask: (peer, budget, amount) => federation.callActive(peer, "budget-ask", { type: "budget-ask", budget, amount }, budgetAskResult),
  };
}
