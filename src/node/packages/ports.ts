// What package operations are handed (protocol §18): the registration ports of an upstream, the
// platform's package store, the outbound path, the ledger's (a priced package's licence, §18.6), and the store or the typed refusal of a runtime without one.
import type { RegistrationPorts } from "../upstreams/registration.ts";
import type { SubscriptionPort } from "../relay/subscriptions.ts";
import type { Config } from "../settings/config.ts";
import type { Outbound } from "../outbound/outbound.ts";
import type { PackageFiles } from "../settings/package-files.ts";
import type { Platform } from "../settings/platform.ts";
import { PackageError } from "./errors.ts";

export interface PackagePorts extends RegistrationPorts, Omit<SubscriptionPort, "db" | "config"> {
  config: RegistrationPorts["config"] & SubscriptionPort["config"] & Pick<Config, "npmRegistryUrl">;
  platform: Platform;
  outbound: Outbound;
  /** Keeps work alive after the answer (the catalog refresh after a switch). */
  defer: (work: Promise<unknown>) => void;
}

/** The store, or the typed refusal of a runtime that has none. */
export function packageFiles(platform: Platform): PackageFiles {
  if (!platform.packages || !platform.stdio) throw new PackageError("packages_unsupported", "this runtime cannot keep or run packages (Node, or Deno with a disk; not Deno Deploy or Workers)");
  return platform.packages;
}
