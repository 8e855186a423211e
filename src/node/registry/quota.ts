// What one origin may hold in this node's registry: live entries, and the bytes of everything
// kept for it (tombstones included, until collected). One peer relaying a flood of an origin's
// entries, or an origin publishing one, fills that origin's share only, never another's.
import { slotOf } from "../../protocol/registry/conflict.ts";
import { byteLength, type Entry } from "../../protocol/registry/entry.ts";
import type { Rejection } from "../../protocol/registry/admission.ts";
import type { HeldSlot } from "../../store/entry-store.ts";

export interface OriginQuota {
  entries: number;
  bytes: number;
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
  const usage = new Map<string, { slots: Map<string, HeldSlot>; live: number; bytes: number }>();
  for (const e of entries) {
    const { origin, key, tombstone } = e.signed;
    let u = usage.get(origin);
    if (!u) {
      const slots = new Map((await held(origin)).map((h) => [h.slot, h]));
      const all = [...slots.values()];
      u = { slots, live: all.filter((h) => !h.tombstone).length, bytes: all.reduce((n, h) => n + h.size, 0) };
      usage.set(origin, u);
    }
    const slot = slotOf(e);
    const before = u.slots.get(slot);
    const size = byteLength(e.canonical);
    const live = u.live - (before && !before.tombstone ? 1 : 0) + (tombstone ? 0 : 1);
    const bytes = u.bytes - (before?.size ?? 0) + size;
    if (live > quota.entries && live > u.live) {
      rejected.push({ reason: "origin_entries", detail: `${origin} holds ${u.live} live entries, the most one origin may`, origin, key });
    } else if (bytes > quota.bytes && bytes > u.bytes) {
      rejected.push({ reason: "origin_bytes", detail: `${origin} would hold ${bytes} bytes, over ${quota.bytes}`, origin, key });
    } else {
      u.slots.set(slot, { slot, tombstone, size });
      u.live = live;
      u.bytes = bytes;
      fit.push(e);
    }
  }
  return { fit, rejected };
}
