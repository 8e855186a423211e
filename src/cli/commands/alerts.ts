// Alerts from the command line: the open ones (or all), acknowledging one, and the rules.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { clip, table } from "../framework/format.ts";
import { whole } from "../framework/option-values.ts";

interface AlertView {
  id: number;
  rule: string;
  kind: string;
  subject: string;
  severity: string;
  state: "open" | "resolved";
  summary: string;
  openedAt: string;
  resolvedAt: string | null;
  acknowledgedAt: string | null;
}

interface RuleView {
  id: string;
  kind: string;
  params: Record<string, number>;
  severity: string;
}

const KINDS = ["error_rate", "peer_unreachable", "dispute", "audit_break", "definition_change"];

function share(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError("--threshold is a share of calls from 0 to 1, e.g. 0.2");
  return n;
}

const alertRows = (alerts: AlertView[]) =>
  table(
    ["ID", "STATE", "SEVERITY", "RULE", "SUMMARY", "OPENED", "ACK"],
    alerts.map((a) => [String(a.id), a.state, a.severity, a.rule, clip(a.summary, 80), a.openedAt, a.acknowledgedAt ?? "-"]),
  );

export const alertCommands: Command[] = [
  {
    name: "alerts rules list",
    summary: "list the alert rules",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ rules: RuleView[] }>("GET", "/alerts/rules");
      show(ctx, body, (b) =>
        b.rules.length === 0
          ? "no rules"
          : table(["ID", "KIND", "SEVERITY", "PARAMS"], b.rules.map((r) => [r.id, r.kind, r.severity, Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(" ") || "-"])),
      );
    },
  },
  {
    name: "alerts rules add",
    usage: `<${KINDS.join(" | ")}>`,
    summary: "add an alert rule; parameters left out take their defaults",
    details: "error_rate: --threshold (0-1, default 0.2), --window (minutes, 5), --min-calls (10). peer_unreachable: --minutes (30). dispute: --window (minutes, 60). audit_break and definition_change take none.",
    options: {
      id: { type: "string", value: "id", help: "the rule's id (default: the kind and a random suffix)" },
      severity: { type: "string", value: "warning|critical", help: "the alerts' severity (default per kind)" },
      threshold: { type: "string", value: "share", help: "error_rate: the share of failed calls above which it fires" },
      window: { type: "string", value: "minutes", help: "error_rate, dispute: how far back it looks" },
      "min-calls": { type: "string", value: "n", help: "error_rate: fewer calls in the window never fire" },
      minutes: { type: "string", value: "n", help: "peer_unreachable: how long a peer may go unheard" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [kind], o) => {
      if (!KINDS.includes(kind!)) throw new UsageError(`the kind is one of ${KINDS.join(", ")}`);
      if (o.severity !== undefined && o.severity !== "warning" && o.severity !== "critical") throw new UsageError("--severity is warning or critical");
      const params = Object.fromEntries(
        Object.entries({
          threshold: share(o.threshold),
          windowMinutes: whole(o.window, "window", 1, 7 * 24 * 60),
          minCalls: whole(o["min-calls"], "min-calls", 1, 1_000_000),
          minutes: whole(o.minutes, "minutes", 1, 7 * 24 * 60),
        }).filter(([, v]) => v !== undefined),
      );
      const body = await ctx.api.request<{ rule: RuleView }>("POST", "/alerts/rules", { kind, params, ...(o.id ? { id: o.id } : {}), ...(o.severity ? { severity: o.severity } : {}) });
      show(ctx, body, (b) => `added rule ${b.rule.id} (${b.rule.kind}, ${b.rule.severity})`);
    },
  },
  {
    name: "alerts rules remove",
    usage: "<rule-id>",
    summary: "remove an alert rule; the alerts it holds open are resolved",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ removed: string }>("DELETE", `/alerts/rules/${seg(id!)}`);
      show(ctx, body, (b) => `removed rule ${b.removed}`);
    },
  },
  {
    name: "alerts ack",
    usage: "<alert-id>",
    summary: "acknowledge an alert: it stays open while its condition lasts, marked as seen",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ alert: AlertView }>("POST", `/alerts/${seg(id!)}/ack`);
      show(ctx, body, (b) => `acknowledged alert ${b.alert.id}: ${b.alert.summary}`);
    },
  },
  {
    name: "alerts",
    summary: "list the open alerts (--all: resolved ones too)",
    options: {
      all: { type: "boolean", help: "resolved alerts too" },
      limit: { type: "string", value: "n", help: "how many (1-1000, default 100)" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = new URLSearchParams({ state: o.all ? "all" : "open" });
      if (o.limit !== undefined) q.set("limit", String(whole(o.limit, "limit", 1, 1000)));
      const body = await ctx.api.request<{ alerts: AlertView[] }>("GET", `/alerts?${q}`);
      show(ctx, body, (b) => (b.alerts.length === 0 ? (o.all ? "no alerts" : "no open alerts") : alertRows(b.alerts)));
    },
  },
];
