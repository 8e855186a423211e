// The optional features this node offers in its card and agrees on in a hello: the protocol's
// list, less what the operator switched off (CHANNELS, LEDGER_CHECKPOINTS), and a feature per
// route role it plays for others (ROUTES_OFFER, docs/protocol.md §12).
import { CHANNEL_FEATURE } from "../../protocol/channel/handshake.ts";
import { CHECKPOINTS_FEATURE } from "../../protocol/ledger/suite.ts";
import { ROLE_FEATURES } from "../../protocol/routes/roles.ts";
import { FEATURES } from "../../protocol/versions.ts";
import type { Config } from "../settings/config.ts";

export function offeredFeatures(config: Pick<Config, "channels" | "ledgerCheckpoints" | "routesOffer">): string[] {
  const off = new Set<string>();
  if (!config.channels) off.add(CHANNEL_FEATURE);
  if (!config.ledgerCheckpoints) off.add(CHECKPOINTS_FEATURE);
  return [...FEATURES.filter((f) => !off.has(f)), ...config.routesOffer.map((r) => ROLE_FEATURES[r])];
}
