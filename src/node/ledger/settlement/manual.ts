// The manual adapter: a bank transfer or any payment made by hand, named by its reference. Nothing
// here can tell whether it arrived, so the payee's operator confirms it (`mcpfed ledger settlement confirm`).
import type { SettlementAdapter } from "./adapter.ts";

export const manualAdapter: SettlementAdapter = {
  method: "manual",
  verify: async () => "unknown",
};
