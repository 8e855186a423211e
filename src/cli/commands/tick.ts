// The scheduled work, run now: upstream refreshes, a gossip round and the ledger reconciliations due.
import { show, type Command } from "../framework/command.ts";
import { table } from "../framework/format.ts";
import { refreshLine, type RefreshResult } from "./upstreams.ts";

interface GossipTick {
  sync?: { peer: string; mode: string; sent: number; stored: number };
  error?: string;
}

type LedgerTick = { due: number; peers: ({ peer: string; reconciled: { sent: number; received: number; refused: number } } | { peer: string; error: string })[] } | { error: string };

function ledgerLines(l: LedgerTick): string[] {
  if ("error" in l) return [`ledger reconciliation failed: ${l.error}`];
  if (l.peers.length === 0) return ["ledger: no peer due for reconciliation"];
  return l.peers.map((p) =>
    "reconciled" in p ? `ledger: reconciled with ${p.peer}, sent ${p.reconciled.sent}, received ${p.reconciled.received}, refused ${p.reconciled.refused}` : `ledger reconciliation with ${p.peer} failed: ${p.error}`,
  );
}

function gossipLine(g: GossipTick): string {
  if (g.sync) return `gossip: ${g.sync.mode} with ${g.sync.peer}, sent ${g.sync.sent}, stored ${g.sync.stored}`;
  return g.error ? `gossip failed: ${g.error}` : "gossip: no peers";
}

export const tickCommands: Command[] = [
  {
    name: "tick",
    summary: "run the scheduled work now: refresh every upstream, gossip and reconcile the ledger with the peers due",
    details: "Exits 0 when the tick ran, even if some upstreams or peers could not be reached; see the table.",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ at: string; durationMs: number; upstreams: RefreshResult[]; gossip: GossipTick; ledger: LedgerTick }>("POST", "/tick");
      show(ctx, body, (b) =>
        [
          `tick at ${b.at} took ${b.durationMs} ms`,
          table(["UPSTREAM", "RESULT"], b.upstreams.map((r) => [r.name, refreshLine(r)])),
          gossipLine(b.gossip),
          ...ledgerLines(b.ledger),
        ].join("\n"),
      );
    },
  },
];
