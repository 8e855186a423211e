// The features this node offers in its card and agrees on in hello: the protocol's list, less
// what the operator switched off.
import { CHECKPOINTS_FEATURE } from "../../protocol/ledger/suite.ts";
import { FEATURES } from "../../protocol/versions.ts";
import type { Config } from "../settings/config.ts";

export function offeredFeatures(config: Pick<Config, "ledgerCheckpoints">): string[] {
  return FEATURES.filter((f) => f !== CHECKPOINTS_FEATURE || config.ledgerCheckpoints);
}
