// What one origin may hold in this node's registry: live entries, and the bytes of everything
// kept for it (tombstones included, until collected). One peer relaying a flood of an origin's
// entries, or an origin publishing one, fills that origin's share only, never another's. The
// share is split by kind: each trust kind (protocol §7.1.2: vouches, ratings, assertions,
// warnings, attestations) counts in a quota of its own, of the same size, and every other kind in
// one together; so an origin's trust evidence never starves its tools, nor its tools its evidence.
// Trust entries are keyed by their subject (one slot per author and subject), so a newer one
// replaces the older in its slot and grows nothing.
import { kindOfSlot, slotOf } from "../../protocol/registry/conflict.ts";
import { byteLength, type Entry } from "../../protocol/registry/entry.ts";
import type { Rejection } from "../../protocol/registry/admission.ts";
import { isTrustKind } from "../../protocol/registry/trust-entries.ts";
import type { HeldSlot } from "../../store/entry-store.ts";

export interface OriginQuota {
  /** Live entries per origin and share. */
  entries: number;
  /** Bytes per origin and share. */
  bytes: number;
}

/** The share of its origin's quota an entry of `kind` counts in: its own for a trust kind, "" for every other kind. */
export function quotaShare(kind: string): string {
  return isTrustKind(kind) ? kind : "";
}

interface Usage {
  slots: Map<string, HeldSlot>;
  live: number;
  bytes: number;
}

/** What an origin holds, per share. */
function usageOf(held: HeldSlot[]): Map<string, Usage> {
  const shares = new Map<string, Usage>();
  for (const h of held) {
    const share = quotaShare(kindOfSlot(h.slot));
    let u = shares.get(share);
    if (!u) shares.set(share, (u = { slots: new Map(), live: 0, bytes: 0 }));
    u.slots.set(h.slot, h);
    if (!h.tombstone) u.live++;
    u.bytes += h.size;
  }
  return shares;
}

/**
 * Splits entries into those that fit their origin's quota, given what each origin holds, and
 * rejections for the rest. An entry that does not grow what its origin holds (a newer version
 * in a held slot, a withdrawal) always fits, so an origin at its quota can still withdraw.
 */
export async function withinQuota(
  entries: Entry[],
  quota: OriginQuota,
  held: (origin: string) => Promise<HeldSlot[]>,
): Promise<{ fit: Entry[]; rejected: Rejection[] }> {
  const fit: Entry[] = [];
  const rejected: Rejection[] = [];
  const origins = new Map<string, Map<string, Usage>>();
  for (const e of entries) {
    const { origin, kind, key, tombstone } = e.signed;
    let shares = origins.get(origin);
    if (!shares) origins.set(origin, (shares = usageOf(await held(origin))));
    const share = quotaShare(kind);
    let u = shares.get(share);
    if (!u) shares.set(share, (u = { slots: new Map(), live: 0, bytes: 0 }));
    const slot = slotOf(e);
    const before = u.slots.get(slot);
    const size = byteLength(e.canonical);
    const live = u.live - (before && !before.tombstone ? 1 : 0) + (tombstone ? 0 : 1);
    const bytes = u.bytes - (before?.size ?? 0) + size;
    const what = share ? `${share} entries` : "entries other than trust evidence";
    if (live > quota.entries && live > u.live) {
      rejected.push({ reason: "origin_entries", detail: `${origin} holds ${u.live} live ${what}, the most one origin may`, origin, key });
    } else if (bytes > quota.bytes && bytes > u.bytes) {
      rejected.push({ reason: "origin_bytes", detail: `${origin} would hold ${bytes} bytes of ${what}, over ${quota.bytes}`, origin, key });
    } else {
      u.slots.set(slot, { slot, tombstone, size });
      u.live = live;
      u.bytes = bytes;
      fit.push(e);
    }
  }
  return { fit, rejected };
}
