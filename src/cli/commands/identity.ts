// The node's own identity: its id and keys, for operators who allowlist it.
import { show, type Command } from "../framework/command.ts";
import { fields } from "../framework/format.ts";

export const identityCommands: Command[] = [
  {
    name: "identity",
    summary: "show this node's id and keys (give the id to operators who allowlist it)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{
        id: string;
        card: { name: string; url: string; keys: { sig: { kid: string }; kem: { kid: string }[] }; exp: number };
        crypto: string;
      }>("GET", "/identity");
      show(ctx, body, ({ id, card, crypto }) =>
        fields([
          ["node id", id],
          ["name", card.name],
          ["url", card.url],
          ["signing key", card.keys.sig.kid],
          ["encryption keys", card.keys.kem.map((k) => k.kid).join(", ")],
          ["card expires", new Date(card.exp * 1000).toISOString()],
          ["crypto", crypto],
        ]),
      );
    },
  },
];
