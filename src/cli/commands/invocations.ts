// The most recent tool calls.
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { clip, table } from "../framework/format.ts";

interface Invocation {
  at: number;
  caller: string;
  toolName: string;
  upstream: string | null;
  durationMs: number;
  outcome: string;
  error: string | null;
}

export const invocationCommands: Command[] = [
  {
    name: "invocations",
    summary: "show the most recent tool calls, newest first",
    options: { limit: { type: "string", value: "n", help: "how many (1-1000, default 100)" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      let q = "";
      if (o.limit !== undefined) {
        const n = Number(o.limit);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError("--limit wants a whole number from 1 to 1000");
        q = `?limit=${n}`;
      }
      const body = await ctx.api.request<{ invocations: Invocation[] }>("GET", `/invocations${q}`);
      show(ctx, body, (b) =>
        table(
          ["AT", "TOOL", "UPSTREAM", "OUTCOME", "MS", "CALLER", "ERROR"],
          b.invocations.map((i) => [
            new Date(i.at).toISOString(),
            i.toolName,
            i.upstream ?? "-",
            i.outcome,
            String(i.durationMs),
            i.caller,
            clip(i.error, 50),
          ]),
        ),
      );
    },
  },
];
