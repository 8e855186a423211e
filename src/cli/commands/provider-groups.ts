// Provider groups: peers the operator trusts to stand in for each other. A peer's tool is served
// by that peer only, unless its origin marks it replicable or the operator groups providers here.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { table } from "../framework/format.ts";

interface GroupView {
  name: string;
  members: { id: string; alias: string | null }[];
}

const memberList = (g: GroupView) => g.members.map((m) => m.alias ?? m.id).sort().join(", ");

export const providerGroupCommands: Command[] = [
  {
    name: "provider group",
    usage: "<name> <peer> <peer>...",
    summary: "let these peers serve each other's tools of the same fingerprint (replaces the group)",
    details:
      "Each <peer> is a peer's id or alias. Without a group, a call to a peer's tool goes to that peer only, and fails when it is down; in a group, it may go to any member offering the same tool (the same fingerprint), by measured speed and success.",
    min: 3,
    max: 33,
    run: async (ctx, [name, ...members]) => {
      const body = await ctx.api.request<{ group: GroupView }>("PUT", `/provider-groups/${seg(name!)}`, { members });
      show(ctx, body, (b) => `provider group ${b.group.name}: ${memberList(b.group)}`);
    },
  },
  {
    name: "provider ungroup",
    usage: "<name>",
    summary: "remove a provider group: its members' tools are served each by its own origin again",
    min: 1,
    max: 1,
    run: async (ctx, [name]) => {
      await ctx.api.request("DELETE", `/provider-groups/${seg(name!)}`);
      show(ctx, { removed: name }, () => `removed provider group ${name}`);
    },
  },
  {
    name: "provider groups",
    summary: "list the provider groups",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ groups: GroupView[] }>("GET", "/provider-groups");
      show(ctx, body, (b) => table(["GROUP", "MEMBERS"], b.groups.map((g) => [g.name, memberList(g)])));
    },
  },
];
