// Commands on the catalog's resources, resource templates and prompts, local and peers': list
// them, rename and hide them, as `tool ...` does for tools.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { table } from "../framework/format.ts";
import type { CatalogItem } from "../../node/catalog/item-names.ts";
import type { ItemKind } from "../../protocol/registry/shared-items.ts";

type Kind = ItemKind;
/** What the admin API answers for an item: the catalog's view without where its settings live. */
type ItemView = Omit<CatalogItem, "ref">;

function originOf(i: ItemView): string {
  if (!i.origin) return "local";
  return i.origin.alias === "" ? i.origin.id.slice(0, 16) : `${i.origin.alias} (${i.origin.id.slice(0, 8)})`;
}

function itemRows(list: ItemView[]): string {
  const flags = (i: ItemView) => [i.hidden && "hidden", i.collision && `collision:${i.collision.wanted}`].filter(Boolean).join(",") || "-";
  return table(
    ["NAME", "ORIGIN", "UPSTREAM", "AT UPSTREAM", "FLAGS"],
    list.map((i) => [i.name, originOf(i), i.upstream, i.upstreamName, flags(i)]),
  );
}

/** `prompt`, `resource` and `template` each get list, hide and unhide; prompts and resources rename too. */
function commandsFor(noun: string, kind: Kind, what: string, rename?: string): Command[] {
  const patch = async (ctx: Parameters<Command["run"]>[0], name: string, body: Record<string, unknown>) =>
    ctx.api.request<{ item: ItemView }>("PATCH", `/items/${kind}/${seg(name)}`, body);
  const flag = (verb: string, summary: string, hidden: boolean, done: string): Command => ({
    name: `${noun} ${verb}`,
    usage: "<name>",
    summary,
    min: 1,
    max: 1,
    run: async (ctx, [name]) => show(ctx, await patch(ctx, name!, { hidden }), (b) => `${done} ${b.item.name}`),
  });
  return [
    {
      name: `${noun} list`,
      summary: `list the catalog's ${what}, local and peers' (ORIGIN), hidden ones included`,
      min: 0,
      max: 0,
      run: async (ctx) => show(ctx, await ctx.api.request<{ items: ItemView[] }>("GET", `/items?kind=${kind}`), (b) => itemRows(b.items)),
    },
    ...(rename
      ? [
          {
            name: `${noun} rename`,
            usage: "<name> <new-name>",
            summary: rename,
            details: "Refused, naming both sides, when another listed item holds the name or would lose its own. A peer's may also be named by its id, as the --json listing shows it.",
            min: 2,
            max: 2,
            run: async (ctx, [from, to]) => show(ctx, await patch(ctx, from!, { name: to }), (b) => `renamed ${from} to ${b.item.name}`),
          } satisfies Command,
        ]
      : []),
    flag("hide", `hide a ${noun} from its list and from clients`, true, "hid"),
    flag("unhide", `show a hidden ${noun} again`, false, "unhid"),
  ];
}

export const itemCommands: Command[] = [
  ...commandsFor("prompt", "prompt", "prompts", "give a prompt, local or a peer's, a new name (it keeps it across refreshes, prefix and alias changes)"),
  ...commandsFor("resource", "resource", "resources", "list a peer's resource under another URI (a local one keeps its upstream's)"),
  ...commandsFor("template", "resource-template", "resource templates"),
];
