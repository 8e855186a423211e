// The checks an entry from a peer passes before its signature is even looked at: shape, size,
// origin, clock. Cheap ones first, so junk costs the receiver little.
import { toolFingerprint } from "./tool-fingerprint.ts";
import { definitionOf, itemFingerprint, ITEM_KINDS, type ItemBody, type ItemKind } from "./shared-items.ts";
import type { Card } from "../card/schema.ts";
import type { HybridClock } from "./hlc.ts";
import { byteLength, signedEntry, toEntry, type Entry, type SignedEntry } from "./entry.ts";
import type { DirectoryEntry } from "./signing.ts";

/** Why an offered entry was turned away (protocol §7). */
export const REJECTION_REASONS = [
  "malformed",
  "oversize",
  "bad_signature",
  "unknown_origin",
  "future_hlc",
  "blocked_origin",
  /** The origin holds MAX_ENTRIES_PER_ORIGIN live entries already. */
  "origin_entries",
  /** The origin's entries would exceed MAX_ENTRY_BYTES_PER_ORIGIN. */
  "origin_bytes",
  /** A package version (§18.1) already held with another body: a published version never changes. */
  "immutable_version",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  reason: RejectionReason;
  detail: string;
  /** The origin and key, when the entry was readable that far: for logs and counters. */
  origin?: string;
  key?: string;
}

export interface AdmissionRules {
  maxEntryBytes: number;
  clock: HybridClock;
  isBlocked: (origin: string) => boolean;
  /** Why a node entry's card is not the origin's valid card, or undefined when it is. */
  checkCard: (card: Card, origin: string) => Promise<string | undefined>;
  /** Why a directory entry (§20.7) is not its origin's, or undefined: its own signature, and the origin's card when held. Without it, directory entries are refused. */
  checkDirectory?: (entry: DirectoryEntry) => Promise<"bad_signature" | "card_mismatch" | undefined>;
}

export async function screen(raw: unknown, rules: AdmissionRules): Promise<Entry | Rejection> {
  const parsed = signedEntry.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { reason: "malformed", detail: issue ? `${issue.path.join(".") || "(entry)"}: ${issue.message}` : "invalid" };
  }
  const entry = await toEntry(parsed.data);
  const { origin, key, hlc } = entry.signed;
  const size = byteLength(entry.canonical);
  if (size > rules.maxEntryBytes) return { reason: "oversize", detail: `${size} bytes > ${rules.maxEntryBytes}`, origin, key };
  if (rules.isBlocked(origin)) return { reason: "blocked_origin", detail: "origin is blocked", origin, key };
  if (rules.clock.tooFarAhead(hlc)) return { reason: "future_hlc", detail: `HLC ${hlc} is too far ahead`, origin, key };
  if (entry.signed.kind === "tool" && !entry.signed.tombstone) {
    const { tool, fingerprint } = entry.signed.body;
    if ((await toolFingerprint(tool)) !== fingerprint) return { reason: "malformed", detail: "fingerprint does not match the tool", origin, key };
  }
  if (isItemEntry(entry.signed) && !entry.signed.tombstone) {
    const body: ItemBody = entry.signed.body;
    if ((await itemFingerprint(definitionOf(body))) !== body.fingerprint) return { reason: "malformed", detail: `fingerprint does not match the ${entry.signed.kind}`, origin, key };
  }
  if (entry.signed.kind === "package" && !entry.signed.tombstone) {
    for (const t of entry.signed.body.tools) {
      if ((await toolFingerprint(t)) !== t.fingerprint) return { reason: "malformed", detail: `fingerprint does not match the package's tool ${t.name}`, origin, key };
    }
  }
  if (entry.signed.kind === "node" && !entry.signed.tombstone) {
    const why = await rules.checkCard(entry.signed.body.card, origin);
    if (why) return { reason: "malformed", detail: `the card: ${why}`, origin, key };
  }
  if (entry.signed.kind === "directory") {
    if (!rules.checkDirectory) return { reason: "unknown_origin", detail: "this node does not check directory entries", origin, key };
    const why = await rules.checkDirectory(entry.signed);
    if (why === "bad_signature") return { reason: "bad_signature", detail: "the directory entry's Ed25519 signature does not verify", origin, key };
    if (why) return { reason: "malformed", detail: "the directory entry does not match the origin's card", origin, key };
  }
  return entry;
}

function isItemEntry(e: SignedEntry): e is Extract<SignedEntry, { kind: ItemKind }> {
  return (ITEM_KINDS as readonly string[]).includes(e.kind);
}

export function isRejection(x: Entry | Rejection): x is Rejection {
  return "reason" in x;
}
