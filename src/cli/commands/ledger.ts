// Commands for the ledger of relayed calls: balances, records, disputes, the accounting export
// and reconciliation with a peer, now or on a schedule. Each is a thin client of the admin API (src/http/admin/ledger.ts).
import { writeFileSync } from "node:fs";
import type { Balance, Flag } from "../../store/ledger.ts";
import type { RecordRow } from "../../node/ledger/export.ts";
import type { ReconcileReport } from "../../node/ledger/reconciliation.ts";
import type { PeerReconcileSchedule } from "../../node/ledger/reconcile-schedule.ts";
import { seg } from "../framework/admin-api.ts";
import { show, type Command, type Context } from "../framework/command.ts";
import { CliError, UsageError } from "../framework/errors.ts";
import { clip, table } from "../framework/format.ts";

interface RecordView {
  id: string;
  peer: string;
  role: string;
  status: string;
  /** What the record proves so far; post_quantum_final once both parties' checkpoints cover it. */
  stage: string;
  reason: string | null;
  record:
    | { intent: { tool: { id: string } }; receipt: { completedAt: number; amount: number; unit?: string } }
    | { setOff: { round: string; expires: number; amount: number; unit: string } }
    | { settlement: { reference: string; paidAt: number; amount: number; unit: string } };
}

/** What the TOOL, AMOUNT and COMPLETED columns show for a record of any kind. */
function described(r: RecordView["record"]): [string, string, number] {
  if ("setOff" in r) return [`set-off, round ${r.setOff.round.slice(0, 12)}`, `${r.setOff.amount} ${r.setOff.unit}`, r.setOff.expires];
  if ("settlement" in r) return [`settlement: ${r.settlement.reference}`, `${r.settlement.amount} ${r.settlement.unit}`, r.settlement.paidAt];
  return [r.intent.tool.id, r.receipt.unit ? `${r.receipt.amount} ${r.receipt.unit}` : "free", r.receipt.completedAt];
}

function recordRows(records: RecordView[]): string {
  return table(
    ["ID", "PEER", "ROLE", "STATUS", "STAGE", "TOOL", "AMOUNT", "COMPLETED", "REASON"],
    records.map((r) => {
      const [what, amount, at] = described(r.record);
      return [
        r.id.slice(0, 16),
        clip(r.peer, 24),
        r.role,
        r.status,
        r.stage === "post_quantum_final" ? "post-quantum final" : r.stage,
        clip(what, 40),
        amount,
        new Date(at).toISOString(),
        r.reason ?? "-",
      ];
    }),
  );
}

function flagRows(flags: Flag[]): string {
  return table(
    ["AT", "SOURCE", "RECORD", "REASON"],
    flags.map((f) => [new Date(f.at).toISOString(), f.source ?? "(this node)", f.recordId?.slice(0, 16) ?? "-", f.reason]),
  );
}

/** Writes to --out, or prints. */
function deliver(ctx: Context, text: string, out: string | undefined, what: string): void {
  if (out === undefined) {
    ctx.out(text.replace(/\r?\n$/, ""));
    return;
  }
  try {
    writeFileSync(out, text);
  } catch (err) {
    throw new CliError(`cannot write ${out}: ${err instanceof Error ? err.message : String(err)}`);
  }
  ctx.warn(`wrote ${what} to ${out}`);
}

export const ledgerCommands: Command[] = [
  {
    name: "ledger balances",
    summary: "show what each peer owes this node and this node owes it, per currency unit",
    details: "Summed from confirmed records only. CLEARED: set-offs, SETTLED: settlements (+ where this node owed). Positive NET: the peer owes this node.",
    options: { csv: { type: "boolean", help: "print CSV, as the admin API's ?format=csv downloads it" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      if (o.csv) {
        if (ctx.json) throw new UsageError("give --csv or --json, not both");
        ctx.out((await ctx.api.requestText("GET", "/ledger/balances?format=csv")).replace(/\r?\n$/, ""));
        return;
      }
      const body = await ctx.api.request<{ balances: Balance[] }>("GET", "/ledger/balances");
      show(ctx, body, (b) =>
        table(
          ["PEER", "UNIT", "EARNED", "SPENT", "NET", "CALLS", "CLEARED", "SETTLED"],
          b.balances.map((x) => [x.peer, x.unit, String(x.earned), String(x.spent), String(x.net), String(x.calls), String(x.cleared), String(x.settled)]),
        ),
      );
    },
  },
  {
    name: "ledger records",
    summary: "list ledger records, newest first",
    options: {
      status: { type: "string", value: "s", help: "only pending, confirmed or disputed records" },
      peer: { type: "string", value: "id", help: "only records with this peer" },
      limit: { type: "string", value: "n", help: "how many (1-1000, default 100)" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = new URLSearchParams();
      if (o.status !== undefined) {
        if (!["pending", "confirmed", "disputed"].includes(o.status as string)) throw new UsageError("--status is pending, confirmed or disputed");
        q.set("status", o.status as string);
      }
      if (o.peer !== undefined) q.set("peer", o.peer as string);
      if (o.limit !== undefined) {
        const n = Number(o.limit);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError("--limit wants a whole number from 1 to 1000");
        q.set("limit", String(n));
      }
      const body = await ctx.api.request<{ records: RecordView[] }>("GET", `/ledger/records${q.size ? `?${q}` : ""}`);
      show(ctx, body, (b) => recordRows(b.records));
    },
  },
  {
    name: "ledger disputes",
    summary: "list disputed records and the records this node refused (flags)",
    details: "A disputed record contradicts one a peer holds; a flag keeps what was refused, as received, never counted.",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const [records, flags] = await Promise.all([
        ctx.api.request<{ records: RecordView[] }>("GET", "/ledger/records?status=disputed&limit=1000"),
        ctx.api.request<{ flags: Flag[] }>("GET", "/ledger/flags"),
      ]);
      show(ctx, { disputed: records.records, flags: flags.flags }, (b) =>
        ["Disputed records:", recordRows(b.disputed), "", "Refused records (flags):", flagRows(b.flags)].join("\n"),
      );
    },
  },
  {
    name: "ledger export",
    summary: "export every record for accounting: JSON, or CSV with --csv",
    details: "One row per record: id, peer, role, status, tool, units, amount, unit, requestedAt, completedAt.",
    options: {
      csv: { type: "boolean", help: "CSV instead of JSON" },
      out: { type: "string", value: "file", help: "write to this file instead of printing" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const out = o.out as string | undefined;
      if (o.csv) {
        deliver(ctx, await ctx.api.requestText("GET", "/ledger/export?format=csv"), out, "CSV");
        return;
      }
      const body = await ctx.api.request<{ records: RecordRow[] }>("GET", "/ledger/export?format=json");
      deliver(ctx, `${JSON.stringify(body, null, 2)}\n`, out, `${body.records.length} records`);
    },
  },
  {
    name: "ledger proof",
    usage: "<record id>",
    summary: "print what a third party needs to check a record alone: the record, the checkpoints covering it, and the inclusion paths",
    details: "JSON: {stage, proof: {record, checkpoints: [{checkpoint, index, path}]}}. Checked by verifyRecordProof (src/protocol/ledger/proof.ts) with the two nodes' public keys.",
    options: { out: { type: "string", value: "file", help: "write to this file instead of printing" } },
    min: 1,
    max: 1,
    run: async (ctx, [id], o) => {
      if (!/^[0-9a-f]{64}$/.test(id!)) throw new UsageError("a record id is 64 hex characters (ledger records --json shows them whole)");
      const body = await ctx.api.request<{ stage: string; proof: unknown }>("GET", `/ledger/records/${seg(id!)}/proof`);
      deliver(ctx, `${JSON.stringify(body, null, 2)}\n`, o.out as string | undefined, `the proof (${body.stage})`);
    },
  },
  {
    name: "ledger reconcile",
    usage: "<peer>",
    summary: "reconcile the ledger with an active peer now: exchange the records either side lacks",
    min: 1,
    max: 1,
    run: async (ctx, [peer]) => {
      const body = await ctx.api.request<{ peer: string; reconciled: ReconcileReport }>("POST", `/ledger/reconcile/${seg(peer!)}`);
      show(ctx, body, ({ peer: p, reconciled: r }) =>
        `reconciled with ${p} in ${r.rounds} rounds: sent ${r.sent}, received ${r.received}, refused ${r.refused}`,
      );
    },
  },
  {
    name: "ledger schedules",
    summary: "each active peer's reconciliation schedule, its last run and when the tick next reconciles with it",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ default: string; perTick: number; peers: PeerReconcileSchedule[] }>("GET", "/ledger/schedules");
      const at = (t: number | null) => (t === null ? "-" : new Date(t).toISOString().slice(0, 16).replace("T", " "));
      show(ctx, body, (b) =>
        [
          `default ${b.default}, at most ${b.perTick} per tick`,
          table(
            ["PEER", "SCHEDULE", "LAST RUN", "FAILURES", "NEXT DUE", "LAST ERROR"],
            b.peers.map((p) => [clip(p.peer, 24), p.own ? p.schedule : `${p.schedule} (default)`, at(p.lastRunAt), String(p.failures), p.nextDueAt === null ? "by hand" : at(p.nextDueAt), clip(p.lastError ?? "", 60)]),
          ),
        ].join("\n"),
      );
    },
  },
  {
    name: "ledger schedule",
    usage: "<peer> <tick|daily|weekly|monthly|manual|default>",
    summary: "set how often the tick reconciles the ledger with a peer (UTC days, weeks from Monday, months); default: LEDGER_RECONCILE_SCHEDULE",
    min: 2,
    max: 2,
    run: async (ctx, [peer, schedule]) => {
      const body = await ctx.api.request<{ peer: string; schedule: string; own: boolean }>("PUT", `/ledger/schedules/${seg(peer!)}`, { schedule });
      show(ctx, body, (b) => `ledger reconciliation with ${b.peer}: ${b.schedule}${b.own ? "" : " (default)"}`);
    },
  },
];
