// Every table, as code; drizzle and `npm run db:generate` read them from here (migrations/).
export * from "./upstreams.ts";
export * from "./catalog.ts";
export * from "./calls.ts";
export * from "./access.ts";
export * from "./identity.ts";
export * from "./peers.ts";
export * from "./envelopes.ts";
export * from "./registry.ts";
export * from "./ledger.ts";
export * from "./relay.ts";
export * from "./provider-groups.ts";
export * from "./names.ts";
export * from "./resource-leases.ts";
export * from "./channels.ts";
export * from "./ledger-checkpoints.ts";
export * from "./trust.ts";
export * from "./quarantine.ts";
