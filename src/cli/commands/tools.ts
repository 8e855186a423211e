// Commands on the catalog's tools, local and peers': list them, rename, hide and pin.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { clip, table } from "../framework/format.ts";

export interface ToolView {
  name: string;
  id: string;
  /** Null for this node's own upstreams' tools. */
  origin: { id: string; alias: string } | null;
  upstream: string;
  upstreamName: string;
  description: string | null;
  hidden: boolean;
  pinned: boolean;
  available: boolean;
  /** A peer's tool whose name was held by another: listed under a fallback. */
  collision?: { wanted: string; heldBy: string };
}

/** "local", or a peer's alias and the start of its id. */
function originOf(t: ToolView): string {
  if (!t.origin) return "local";
  return t.origin.alias === "" ? t.origin.id.slice(0, 16) : `${t.origin.alias} (${t.origin.id.slice(0, 8)})`;
}

export function toolRows(list: ToolView[], withUpstream = true): string {
  const flags = (t: ToolView) =>
    [t.hidden && "hidden", t.pinned && "pinned", !t.available && "unavailable", t.collision && `collision:${t.collision.wanted}`].filter(Boolean).join(",") || "-";
  return table(
    ["NAME", ...(withUpstream ? ["ORIGIN", "UPSTREAM"] : []), "UPSTREAM TOOL", "FLAGS", "DESCRIPTION"],
    list.map((t) => [t.name, ...(withUpstream ? [originOf(t), t.upstream] : []), t.upstreamName, flags(t), clip(t.description)]),
  );
}

function toolFlag(name: string, summary: string, patch: Record<string, boolean>, done: string): Command {
  return {
    name: `tool ${name}`,
    usage: "<name>",
    summary,
    min: 1,
    max: 1,
    run: async (ctx, [tool]) => {
      const body = await ctx.api.request<{ tool: ToolView }>("PATCH", `/tools/${seg(tool!)}`, patch);
      show(ctx, body, (b) => `${done} ${b.tool.name}`);
    },
  };
}

export const toolCommands: Command[] = [
  {
    name: "tool list",
    summary: "list the catalog's tools, local and peers' (ORIGIN), hidden ones included",
    details: "A peer's tool flagged collision:<name> wanted a name another tool holds; it is listed under the name shown until the operator renames one of them.",
    options: { upstream: { type: "string", value: "name", help: "only this node's upstream's tools" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = o.upstream ? `?upstream=${seg(o.upstream as string)}` : "";
      const body = await ctx.api.request<{ tools: ToolView[] }>("GET", `/tools${q}`);
      show(ctx, body, (b) => toolRows(b.tools));
    },
  },
  {
    name: "tool rename",
    usage: "<name> <new-name>",
    summary: "give a tool, local or a peer's, a new name (it keeps it across refreshes, prefix and alias changes)",
    details: "Refused, naming both sides, when another listed tool holds the name or would lose its own.",
    min: 2,
    max: 2,
    run: async (ctx, [from, to]) => {
      const body = await ctx.api.request<{ tool: ToolView }>("PATCH", `/tools/${seg(from!)}`, { name: to });
      show(ctx, body, (b) => `renamed ${from} to ${b.tool.name}`);
    },
  },
  toolFlag("hide", "hide a tool from tools/list and calls", { hidden: true }, "hid"),
  toolFlag("unhide", "show a hidden tool again", { hidden: false }, "unhid"),
  toolFlag("pin", "pin a tool (listed even in search catalog mode)", { pinned: true }, "pinned"),
  toolFlag("unpin", "unpin a tool", { pinned: false }, "unpinned"),
];
