// Clearing rounds (docs/protocol.md §16): preview or run one for a unit, list them, show one with
// this node's own proposed set-offs. A node sees only its own edges, whoever coordinates.
import { setTimeout as sleep } from "node:timers/promises";
import { show, type Command, type Context } from "../framework/command.ts";
import { table } from "../framework/format.ts";

interface Edge {
  debtor: string;
  creditor: string;
  capacity: number;
  amount: number;
  obligation: { amount: number };
}

interface RoundView {
  id: string;
  unit: string;
  initiator: string;
  coordinator: string;
  participants: string[];
  dryRun: boolean;
  commitBy: number;
  state: string | null;
  coordination: string | null;
  reason: string | null;
  stored: number;
  proposal?: { edges: Edge[]; excluded: { debtor: string; creditor: string; reason: string }[] };
}

/** Participant states after which a round has nothing more to show here. */
const SETTLED = new Set(["previewed", "refused", "revealed", "lapsed"]);
/** Between two looks at a round that has not settled yet. */
const POLL_MS = 250;

const short = (id: string) => id.slice(0, 12);

function roundText(r: RoundView): string {
  const lines = [
    `round ${r.id} (${r.unit}${r.dryRun ? ", preview" : ""})`,
    `initiator ${r.initiator}, coordinator ${r.coordinator}, ${r.participants.length} participants`,
    `here: ${r.state ?? "-"}${r.coordination ? `, coordinating: ${r.coordination}` : ""}${r.reason ? ` (${r.reason})` : ""}, set-offs stored: ${r.stored}`,
  ];
  if (r.proposal) {
    lines.push(table(["DEBTOR", "CREDITOR", "OWED", "CAPACITY", "CLEARED"], r.proposal.edges.map((e) => [short(e.debtor), short(e.creditor), String(e.obligation.amount), String(e.capacity), String(e.amount)])));
    for (const x of r.proposal.excluded) lines.push(`excluded: ${short(x.debtor)} → ${short(x.creditor)} (${x.reason})`);
  }
  return lines.join("\n");
}

async function units(ctx: Context, unit: string | undefined): Promise<string[]> {
  if (unit) return [unit];
  const { balances } = await ctx.api.request<{ balances: { unit: string }[] }>("GET", "/ledger/balances");
  return [...new Set(balances.map((b) => b.unit))];
}

async function startAndWait(ctx: Context, unit: string, dryRun: boolean): Promise<RoundView> {
  const started = await ctx.api.request<{ round: { id: string; commitBy: number } }>("POST", "/clearing/rounds", { unit, dryRun });
  for (;;) {
    const r = await ctx.api.request<RoundView>("GET", `/clearing/rounds/${started.round.id}`);
    if (SETTLED.has(r.state ?? "") || Date.now() > r.commitBy + 60_000) return r;
    await sleep(POLL_MS);
  }
}

const unitOption = { unit: { type: "string" as const, value: "unit", help: "the currency unit (default: every unit this node holds balances in)" } };

export const clearingCommands: Command[] = [
  {
    name: "clearing preview",
    summary: "start a dry-run round and show this node's proposed set-offs; nothing is signed",
    options: unitOption,
    min: 0,
    max: 0,
    run: async (ctx, _args, opts) => {
      const out = [];
      for (const unit of await units(ctx, opts.unit as string | undefined)) out.push(await startAndWait(ctx, unit, true));
      show(ctx, { rounds: out }, (b) => b.rounds.map(roundText).join("\n\n") || "no balances to clear");
    },
  },
  {
    name: "clearing run",
    summary: "start a clearing round and wait until it is revealed, refused or lapsed",
    options: unitOption,
    min: 0,
    max: 0,
    run: async (ctx, _args, opts) => {
      const out = [];
      for (const unit of await units(ctx, opts.unit as string | undefined)) out.push(await startAndWait(ctx, unit, false));
      show(ctx, { rounds: out }, (b) => b.rounds.map(roundText).join("\n\n") || "no balances to clear");
    },
  },
  {
    name: "clearing rounds",
    summary: "list the clearing rounds this node took part in, newest first",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ rounds: RoundView[] }>("GET", "/clearing/rounds");
      show(ctx, body, (b) =>
        table(
          ["ROUND", "UNIT", "COORDINATOR", "HERE", "COORDINATING", "STORED"],
          b.rounds.map((r) => [short(r.id), r.unit + (r.dryRun ? " (preview)" : ""), short(r.coordinator), r.state ?? "-", r.coordination ?? "-", String(r.stored)]),
        ),
      );
    },
  },
  {
    name: "clearing show",
    usage: "<round>",
    summary: "one round: its state here and this node's proposed edges",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<RoundView>("GET", `/clearing/rounds/${encodeURIComponent(id!)}`);
      show(ctx, body, roundText);
    },
  },
];
