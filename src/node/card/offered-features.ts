// The optional features this node offers in its card and agrees on in a hello: the protocol's
// list, less what the operator switched off (CHANNELS, LEDGER_CHECKPOINTS, FEATURES_OFF), a feature per
// route role it plays for others (ROUTES_OFFER, docs/protocol.md §12), and `clearing` (CLEARING=on, §16).
import { FORWARD_FEE_FEATURE } from "../../protocol/routes/forward-fee.ts";
import { CLEARING_FEATURE } from "../../protocol/clearing/round.ts";
import { CHANNEL_FEATURE } from "../../protocol/channel/handshake.ts";
import { FIRST_FLIGHT_FEATURE } from "../../protocol/channel/first-flight.ts";
import { LANE_ANSWERS_FEATURE } from "../../protocol/channel/frame.ts";
import { CHECKPOINTS_FEATURE } from "../../protocol/ledger/suite.ts";
import { ROLE_FEATURES } from "../../protocol/routes/roles.ts";
import { TOKENS_FEATURE } from "../../protocol/tokens/directory.ts";
import { FEATURES } from "../../protocol/versions.ts";
import type { Config } from "../settings/config.ts";

export function offeredFeatures(config: Pick<Config, "channels" | "ledgerCheckpoints" | "routesOffer"> & Partial<Pick<Config, "tokens" | "clearing" | "featuresOff" | "forwardFee">>): string[] {
  const off = new Set<string>(config.featuresOff);
  if (!config.channels) {
    off.add(CHANNEL_FEATURE);
    off.add(FIRST_FLIGHT_FEATURE);
    off.add(LANE_ANSWERS_FEATURE);
  }
  if (!config.ledgerCheckpoints) off.add(CHECKPOINTS_FEATURE);
  if (!config.tokens?.issue) off.add(TOKENS_FEATURE);
  const clearing = config.clearing?.enabled ? [CLEARING_FEATURE] : [];
  const fee = chargesForwardFee(config) ? [FORWARD_FEE_FEATURE] : [];
  return [...FEATURES.filter((f) => !off.has(f)), ...config.routesOffer.map((r) => ROLE_FEATURES[r]), ...clearing, ...fee];
}

/** Whether this node charges for forwarding: it forwards, and FORWARD_FEE is set. */
export function chargesForwardFee(config: Pick<Config, "routesOffer"> & Partial<Pick<Config, "forwardFee">>): boolean {
  return config.forwardFee !== undefined && config.routesOffer.includes("forward");
}
