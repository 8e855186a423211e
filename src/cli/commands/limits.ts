// Rate limits on tool calls, per caller.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { table } from "../framework/format.ts";
import { str, whole } from "../framework/option-values.ts";
import { SUBJECT_HELP, subjectOptions } from "./subjects.ts";

interface LimitView {
  id: string;
  subjectKind: string | null;
  subjectId: string | null;
  tool: string | null;
  windowSeconds: number;
  maxRequests: number | null;
  maxConcurrent: number | null;
}

export const limitCommands: Command[] = [
  {
    name: "limit list",
    summary: "list rate limits",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ limits: LimitView[] }>("GET", "/limits");
      show(ctx, body, (b) =>
        table(
          ["ID", "WHO", "TOOL", "REQUESTS", "CONCURRENT"],
          b.limits.map((l) => [
            l.id,
            [l.subjectKind ?? "anyone", l.subjectId && `id=${l.subjectId}`].filter(Boolean).join(" "),
            l.tool ?? "every tool",
            l.maxRequests === null ? "-" : `${l.maxRequests} per ${l.windowSeconds} s`,
            l.maxConcurrent === null ? "-" : String(l.maxConcurrent),
          ]),
        ),
      );
    },
  },
  {
    name: "limit add",
    summary: "limit tool calls per caller: a count per window, calls at once, or both",
    details: "Each caller that matches gets the quota on its own. Counts hold across processes and isolates (they are in the store).",
    options: {
      subject: { type: "string", value: "kind", help: SUBJECT_HELP },
      id: { type: "string", value: "glob", help: "the client id, token id or peer id (glob)" },
      tool: { type: "string", value: "glob", help: "only calls to these tools (glob over name or global id)" },
      window: { type: "string", value: "seconds", help: "the counting window (default 60)" },
      max: { type: "string", value: "n", help: "calls allowed per window" },
      concurrent: { type: "string", value: "n", help: "calls allowed at once" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      if (o.max === undefined && o.concurrent === undefined) throw new UsageError("give --max, --concurrent, or both");
      const body = await ctx.api.request<{ limit: LimitView }>("POST", "/limits", {
        ...subjectOptions(o),
        tool: str(o.tool),
        ...(o.window !== undefined ? { windowSeconds: whole(o.window, "window", 1, 86_400) } : {}),
        ...(o.max !== undefined ? { maxRequests: whole(o.max, "max", 1, 1_000_000_000) } : {}),
        ...(o.concurrent !== undefined ? { maxConcurrent: whole(o.concurrent, "concurrent", 1, 100_000) } : {}),
      });
      show(ctx, body, (b) => `added limit ${b.limit.id}`);
    },
  },
  {
    name: "limit remove",
    usage: "<id>",
    summary: "remove a rate limit",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      await ctx.api.request("DELETE", `/limits/${seg(id!)}`);
      show(ctx, {}, () => `removed limit ${id}`);
    },
  },
];
