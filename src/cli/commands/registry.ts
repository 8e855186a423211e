// The registry as this node holds it, and the versions pinned for peers' tools.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { table } from "../framework/format.ts";

export interface EntryView {
  origin: string;
  kind: string;
  key: string;
  visibility: string;
  tombstone: boolean;
  version?: string;
  hlc: string;
  replicable?: boolean;
}

export function entryRows(entries: EntryView[], withOrigin: boolean): string {
  return table(
    [...(withOrigin ? ["ORIGIN"] : []), "KEY", "VISIBILITY", "VERSION", "STATE", "KIND"],
    entries.map((e) => [...(withOrigin ? [e.origin] : []), e.key, e.visibility, e.version ?? "-", e.tombstone ? "withdrawn" : e.replicable ? "live, replicable" : "live", e.kind]),
  );
}

interface PinView {
  origin: string;
  tool: string;
  version: string;
}

export const registryCommands: Command[] = [
  {
    name: "registry",
    summary: "list the registry entries this node holds: its own and its peers'",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ entries: EntryView[] }>("GET", "/registry");
      show(ctx, body, (b) => entryRows(b.entries, true));
    },
  },
  {
    name: "pins",
    summary: "list the versions pinned for peers' tools",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ pins: PinView[] }>("GET", "/registry/pins");
      show(ctx, body, (b) => table(["ORIGIN", "TOOL", "VERSION"], b.pins.map((p) => [p.origin, p.tool, p.version])));
    },
  },
  {
    name: "pin-version",
    usage: "<origin> <key> <version>",
    summary: "show this version of a peer's tool instead of the newest (the key as `registry` lists it)",
    min: 3,
    max: 3,
    run: async (ctx, [origin, key, version]) => {
      const body = await ctx.api.request<{ pin: PinView }>("PUT", "/registry/pins", { origin, key, version });
      show(ctx, body, (b) => `${b.pin.tool} of ${b.pin.origin} pinned to ${b.pin.version}`);
    },
  },
  {
    name: "unpin-version",
    usage: "<origin> <key>",
    summary: "show the newest version of a peer's tool again",
    min: 2,
    max: 2,
    run: async (ctx, [origin, key]) => {
      await ctx.api.request("DELETE", `/registry/pins/${seg(origin!)}/${key!.split("/").map(seg).join("/")}`);
      show(ctx, {}, () => `${key} of ${origin} shows its newest version`);
    },
  },
];
