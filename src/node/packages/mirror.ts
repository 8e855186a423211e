// Serving artifacts to peers (protocol §18.5): the tarball artifacts of this node's own live
// package entries always, and with PACKAGE_MIRROR=on every artifact it installed and the package
// index it last accepted from each origin (§18.4), so that installers can check it while the origin is offline. A receiver trusts
// the bytes only by their digest and the origin's signed entry, so nothing here signs or vouches.
import type { Database } from "../../store/database.ts";
import { servedDigest } from "../../protocol/packages/artifact.ts";
import { listInstalled, livePackageEntries } from "../../store/packages.ts";
import { heldIndex } from "../../store/package-indexes.ts";
import type { Config } from "../settings/config.ts";
import type { Platform } from "../settings/platform.ts";

export interface MirrorPorts {
  db: Database;
  nodeId: string;
  platform: Pick<Platform, "packages">;
  config: Pick<Config, "packageMirror">;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Whether this node serves the artifact `sha256`: its own published tarball or bundle, or (mirror on) one it installed. */
async function serves(s: MirrorPorts, sha256: string): Promise<boolean> {
  const own = await livePackageEntries(s.db, { origin: s.nodeId });
  if (own.some((e) => servedDigest(e.signed.body.artifact) === sha256)) return true;
  return s.config.packageMirror && (await listInstalled(s.db)).some((r) => r.sha256 === sha256);
}

/** The artifact's bytes when this node serves them; undefined otherwise (not held, not offered, or no store here). */
export async function servedArtifact(s: MirrorPorts, sha256: string): Promise<Uint8Array | undefined> {
  if (!SHA256.test(sha256) || !s.platform.packages) return undefined;
  if (!(await serves(s, sha256))) return undefined;
  return s.platform.packages.artifact(sha256);
}

/** The signed index of `origin` this node last accepted, while valid and when it mirrors; undefined otherwise. */
export async function servedIndexOf(s: Pick<MirrorPorts, "db" | "config">, origin: string, now: number): Promise<string | undefined> {
  if (!s.config.packageMirror) return undefined;
  const held = await heldIndex(s.db, origin);
  return held && now < held.expires ? held.signed : undefined;
}
