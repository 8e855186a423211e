// Definition pins from the command line: the tool changes held back, one change as a diff, the
// operator's approval or rejection, and whether an upstream trusts its new tools on first sight.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { table } from "../framework/format.ts";

export interface ChangeView {
  id: number;
  upstream: string;
  tool: string;
  status: "pending" | "approved" | "rejected";
  old: Record<string, unknown> | null;
  new: Record<string, unknown>;
  oldFingerprint: string | null;
  newFingerprint: string;
  detectedAt: string;
  decidedAt: string | null;
}

const FIELDS = ["title", "description", "inputSchema", "outputSchema", "annotations"];

function lines(prefix: string, value: unknown): string[] {
  return JSON.stringify(value, null, 2).split("\n").map((l) => `${prefix} ${l}`);
}

/** The fields that differ, old lines with "-" and new with "+"; a new tool shows all of its own. */
export function definitionDiff(c: ChangeView): string {
  const out = [`change ${c.id}: ${c.upstream}/${c.tool} (${c.status})`, `  fingerprint ${c.oldFingerprint ?? "(none: new tool)"} -> ${c.newFingerprint}`];
  for (const field of FIELDS) {
    const before = c.old?.[field];
    const after = c.new[field];
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    out.push(`${field}:`);
    if (before !== undefined) out.push(...lines("-", before));
    else if (c.old && !("definition" in c.old) && "fingerprint" in c.old) out.push("- (the package entry pinned its fingerprint only)");
    if (after !== undefined) out.push(...lines("+", after));
  }
  return out.join("\n");
}

function decision(verb: "approve" | "reject", summary: string): Command {
  return {
    name: `tool ${verb}`,
    usage: "<change-id>",
    summary,
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ change: ChangeView }>("POST", `/tools/changes/${seg(id!)}/${verb}`);
      show(ctx, body, (b) => `${verb === "approve" ? "approved" : "rejected"} change ${b.change.id} of ${b.change.upstream}/${b.change.tool}\n\n${definitionDiff(b.change)}`);
    },
  };
}

export const definitionChangeCommands: Command[] = [
  {
    name: "tool changes",
    summary: "list tool definitions an upstream changed (hidden until approved), pending ones by default",
    details: "A tool whose description, schemas or annotations differ from the accepted ones is hidden from tools/list and calls until approved.",
    options: {
      all: { type: "boolean", help: "approved and rejected changes too" },
      upstream: { type: "string", value: "name", help: "only this upstream's" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = new URLSearchParams({ ...(o.all ? {} : { status: "pending" }), ...(o.upstream ? { upstream: o.upstream as string } : {}) });
      const body = await ctx.api.request<{ changes: ChangeView[] }>("GET", `/tools/changes?${q}`);
      show(ctx, body, (b) =>
        b.changes.length === 0
          ? "no changes"
          : table(
              ["ID", "UPSTREAM", "TOOL", "STATUS", "DETECTED"],
              b.changes.map((c) => [String(c.id), c.upstream, c.tool, c.old === null ? `${c.status} (new)` : c.status, c.detectedAt]),
            ),
      );
    },
  },
  {
    name: "tool change",
    usage: "<change-id>",
    summary: "show one tool definition change as a diff of the old and new definitions",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ change: ChangeView }>("GET", `/tools/changes/${seg(id!)}`);
      show(ctx, body, (b) => definitionDiff(b.change));
    },
  },
  decision("approve", "accept a tool's new definition: the tool is listed and callable again"),
  decision("reject", "refuse a tool's new definition: the tool stays hidden while its upstream shows it"),
  {
    name: "upstream pins",
    usage: "<name> (strict | first-use)",
    summary: "strict: hold an upstream's new tools until approved; first-use (default): trust them when first seen",
    min: 2,
    max: 2,
    run: async (ctx, [name, mode]) => {
      if (mode !== "strict" && mode !== "first-use") throw new UsageError("the mode is strict or first-use");
      const body = await ctx.api.request<{ upstream: string; pins: string }>("PUT", `/upstreams/${seg(name!)}/pins`, { mode });
      show(ctx, body, (b) => `upstream ${b.upstream}: pins ${b.pins}`);
    },
  },
];
