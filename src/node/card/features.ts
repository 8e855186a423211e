// The optional features this node offers in its card and agrees on in a hello: the protocol's
// list, with `channel` only while CHANNELS is on.
import { CHANNEL_FEATURE } from "../../protocol/channel/handshake.ts";
import { FEATURES } from "../../protocol/versions.ts";
import type { Config } from "../settings/config.ts";

export function offeredFeatures(config: Pick<Config, "channels">): string[] {
  const always = (FEATURES as readonly string[]).filter((f) => f !== CHANNEL_FEATURE);
  return config.channels ? [...always, CHANNEL_FEATURE] : always;
}
