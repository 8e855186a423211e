// The scheduled work, run now: upstream refreshes, a gossip round and a ledger reconciliation.
import { show, type Command } from "../framework/command.ts";
import { table } from "../framework/format.ts";
import { refreshLine, type RefreshResult } from "./upstreams.ts";

interface GossipTick {
  sync?: { peer: string; mode: string; sent: number; stored: number };
  error?: string;
}

interface LedgerTick {
  peer: string | null;
  reconciled?: { rounds: number; sent: number; received: number; refused: number };
  error?: string;
}

function ledgerLine(l: LedgerTick): string {
  if (l.reconciled) return `ledger: reconciled with ${l.peer}, sent ${l.reconciled.sent}, received ${l.reconciled.received}, refused ${l.reconciled.refused}`;
  return l.error ? `ledger reconciliation with ${l.peer ?? "a peer"} failed: ${l.error}` : "ledger: no peers";
}

function gossipLine(g: GossipTick): string {
  if (g.sync) return `gossip: ${g.sync.mode} with ${g.sync.peer}, sent ${g.sync.sent}, stored ${g.sync.stored}`;
  return g.error ? `gossip failed: ${g.error}` : "gossip: no peers";
}

export const tickCommands: Command[] = [
  {
    name: "tick",
    summary: "run the scheduled work now: refresh every upstream, gossip and reconcile the ledger with one peer",
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
          ledgerLine(b.ledger),
        ].join("\n"),
      );
    },
  },
];
