// An upstream says one of its lists changed (a 2025-11-25 notification on its session, or one on the
// listen stream of a 2026-07-28 upstream): its part of the catalog is refreshed, once for a burst of
// announcements, and the node's listeners are told. The catalog may come out the same (the upstream
// changed what the node does not keep, or announced too eagerly): the listeners are told of the
// announced lists all the same, as the upstream's own clients would be.
import type { ListKind } from "../catalog/list-changed-streams.ts";
import type { RefreshResult } from "./refresh.ts";

export interface AnnouncedChangesPorts {
  debounceMs: number;
  /** Refreshes the upstream's part of the catalog, telling the listeners if it changed. */
  refresh: (upstream: string) => Promise<RefreshResult | undefined>;
  notify: (kinds: readonly ListKind[]) => void;
  /** Runs background work the owner waits for on close. */
  track: (work: Promise<unknown>) => void;
}

export class AnnouncedChanges {
  /** One entry per upstream with a refresh to come: bounded by the upstreams with sessions. */
  readonly #pending = new Map<string, { timer: ReturnType<typeof setTimeout>; kinds: Set<ListKind> }>();

  constructor(private readonly ports: AnnouncedChangesPorts) {}

  announced(upstream: string, kind: ListKind): void {
    const pending = this.#pending.get(upstream);
    if (pending) clearTimeout(pending.timer);
    const kinds = pending?.kinds ?? new Set<ListKind>();
    kinds.add(kind);
    const timer = setTimeout(() => {
      this.#pending.delete(upstream);
      this.ports.track(this.#refresh(upstream, [...kinds]));
    }, this.ports.debounceMs);
    this.#pending.set(upstream, { timer, kinds });
  }

  close(): void {
    for (const { timer } of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }

  async #refresh(upstream: string, kinds: ListKind[]): Promise<void> {
    const result = await this.ports.refresh(upstream);
    // A change in the catalog has been told of already, for every list.
    if (result?.ok && !result.changed) this.ports.notify(kinds);
  }
}
