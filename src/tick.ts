// The scheduled hook: a Workers cron trigger, Deno.cron, or a timer on Node. It refreshes every
// upstream's catalog, prunes expired authorization state, forgets retired encryption keys and
// expired envelope ids; later issues hang gossip and retries on it too.
import { log } from "./log.ts";
import type { Services } from "./services.ts";
import { refreshAll, type RefreshResult } from "./upstreams/refresh.ts";

export interface TickReport {
  at: string;
  durationMs: number;
  upstreams: RefreshResult[];
}

export type Tick = () => Promise<TickReport>;

export function createTick(s: Services): Tick {
  let running: Promise<TickReport> | undefined;
  const run = async (): Promise<TickReport> => {
    const started = Date.now();
    const [upstreams] = await Promise.all([
      refreshAll(s),
      s.access.prune().catch((err: unknown) => log.error("tick.prune_failed", { error: String(err) })),
    ]);
    await Promise.all([(await s.identity()).keyring.prune(s.now()), s.replay.prune(s.now())]);
    const report = { at: new Date(started).toISOString(), durationMs: Date.now() - started, upstreams };
    log.info("tick", { durationMs: report.durationMs, upstreams: upstreams.length, failed: upstreams.filter((u) => !u.ok).length });
    return report;
  };
  // Overlapping ticks (a slow upstream, a short interval) share one run.
  return () => (running ??= run().finally(() => (running = undefined)));
}
