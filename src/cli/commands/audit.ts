// The audit trail and its hash chain.
import { show, type Command } from "../framework/command.ts";
import { clip, fields, table } from "../framework/format.ts";
import { whole } from "../framework/option-values.ts";

interface AuditView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  decision: string;
  reason: string | null;
}

type Verification = { ok: true; entries: number; head: string } | { ok: false; entries: number; brokenAt: number; reason: string };

export const auditCommands: Command[] = [
  {
    name: "audit list",
    summary: "show the audit trail, newest first",
    options: {
      limit: { type: "string", value: "n", help: "how many (1-1000, default 100)" },
      action: { type: "string", value: "prefix", help: "only actions starting so, e.g. grant. or tool.call" },
      actor: { type: "string", value: "id", help: "only this actor, e.g. client:<id> or operator" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = new URLSearchParams();
      if (o.limit !== undefined) q.set("limit", String(whole(o.limit, "limit", 1, 1000)));
      if (o.action) q.set("action", o.action as string);
      if (o.actor) q.set("actor", o.actor as string);
      const body = await ctx.api.request<{ entries: AuditView[] }>("GET", `/audit${q.size ? `?${q}` : ""}`);
      show(ctx, body, (b) =>
        table(
          ["SEQ", "AT", "ACTOR", "ACTION", "TARGET", "DECISION", "REASON"],
          b.entries.map((e) => [String(e.seq), e.at, clip(e.actor, 40), e.action, clip(e.target, 40), e.decision, clip(e.reason, 60)]),
        ),
      );
    },
  },
  {
    name: "audit verify",
    summary: "check the audit trail's hash chain (exit 1 if it was tampered with)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<Verification>("GET", "/audit/verify");
      show(ctx, body, (b) =>
        b.ok
          ? fields([["audit trail", "intact"], ["entries", b.entries], ["head", b.head]])
          : fields([["audit trail", "BROKEN"], ["intact entries", b.entries], ["first bad entry", b.brokenAt], ["reason", b.reason]]),
      );
      if (!body.ok) process.exitCode = 1;
    },
  },
];
