// Commands on peers: add, approve, block and remove them, greet and ping them, and list the
// public nodes the registry told of.
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { clip, table } from "../framework/format.ts";
import { str, whole } from "../framework/option-values.ts";

interface PeerView {
  id: string;
  name: string;
  url: string;
  mcp: string;
  state: string;
  theirState: string;
  version: string;
  features: string[];
  signingKeyId: string;
  createdAt: string;
  lastSeenAt: string | null;
  /** The last check of the host its card's URL names (protocol §7.1.2). */
  domain?: { host: string; verified: boolean } | null;
  quarantine?: { source: string; reason: string } | null;
}

function peerRows(list: PeerView[]): string {
  return table(
    ["ID", "NAME", "STATE", "THEY HAVE US", "VERSION", "URL", "VERIFIED"],
    list.map((p) => [p.id, clip(p.name, 30), p.quarantine ? `${p.state}, quarantined (${p.quarantine.source})` : p.state, p.theirState, p.version, p.url, p.domain?.verified ? p.domain.host : "-"]),
  );
}

function peerAction(name: string, summary: string, done: string): Command {
  return {
    name: `peer ${name}`,
    usage: "<id>",
    summary,
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ peer: PeerView; hello?: { ok: boolean; error?: string } }>("POST", `/peers/${seg(id!)}/${name}`);
      if (body.hello && !body.hello.ok) ctx.warn(`warning: the peer could not be told: ${body.hello.error}`);
      show(ctx, body, (b) => `${done} ${b.peer.id} (${b.peer.name}), now ${b.peer.state}`);
    },
  };
}

export const peerCommands: Command[] = [
  {
    name: "peer add",
    usage: "<url>",
    summary: "peer with the node at <url>: verify its card, then introduce this node to it",
    details: "The peer's own acceptance policy decides whether this node is active there at once or pending its operator's approval.",
    min: 1,
    max: 1,
    run: async (ctx, [url]) => {
      const body = await ctx.api.request<{ peer: PeerView }>("POST", "/peers", { url });
      show(ctx, body, ({ peer: p }) =>
        `added peer ${p.id} (${p.name}, ${p.version}); it has this node as ${p.theirState}${p.theirState === "pending" ? " until its operator approves" : ""}`,
      );
    },
  },
  {
    name: "peer list",
    summary: "list the peers, their state here and this node's state there",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ peers: PeerView[] }>("GET", "/peers");
      show(ctx, body, (b) => peerRows(b.peers));
    },
  },
  peerAction("approve", "let a pending peer in, and tell it so", "approved"),
  peerAction("block", "refuse all traffic from a peer from now on", "blocked"),
  peerAction("unblock", "let a blocked peer back in (as active)", "unblocked"),
  {
    name: "peer remove",
    usage: "<id>",
    summary: "forget a peer (it can say hello again, under the acceptance policy)",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      await ctx.api.request("DELETE", `/peers/${seg(id!)}`);
      show(ctx, {}, () => `removed peer ${id}`);
    },
  },
  {
    name: "peer quarantine",
    usage: "<id>",
    summary: "hold a node apart: no calls either way, its entries neither taken nor relayed; short of a block, and reversible",
    details: [
      "Any node id, a peer or not. With --warn, also publish a signed warning that peers weigh by their trust in this node:",
      "a peer acts on it only if this node is in its TRUST_PEER_TIER or above (TRUST_QUARANTINE_AT). `peer release` withdraws it.",
    ].join("\n"),
    options: {
      reason: { type: "string", value: "text", help: "why, for this node's operators" },
      warn: { type: "string", value: "reason", help: "publish a warning: disputes, fraud, unavailable, malicious, spam or other" },
      text: { type: "string", value: "text", help: "the warning's text (up to 280 characters)" },
      days: { type: "string", value: "n", help: "the warning expires after n days (default 30)" },
      visibility: { type: "string", value: "v", help: "the warning's visibility: peers (default) or public" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [id], o) => {
      const warning = o.warn === undefined ? undefined : { reason: o.warn, text: str(o.text), ...(o.days !== undefined ? { days: whole(o.days, "days", 1, 400) } : {}), visibility: str(o.visibility) };
      const body = await ctx.api.request<{ quarantine: { node: string; reason: string }; warning?: unknown[] }>("POST", `/peers/${seg(id!)}/quarantine`, { reason: str(o.reason), ...(warning ? { warn: warning } : {}) });
      show(ctx, body, (b) => `quarantined ${b.quarantine.node} (${b.quarantine.reason})${b.warning ? "; warning published" : ""}`);
    },
  },
  {
    name: "peer release",
    usage: "<id>",
    summary: "let a quarantined node out, and withdraw this node's warning of it; warnings from others no longer put it back",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ quarantine: { node: string } | null; warningsWithdrawn: number }>("DELETE", `/peers/${seg(id!)}/quarantine`);
      show(ctx, body, (b) => `released ${id}${b.warningsWithdrawn > 0 ? "; warning withdrawn" : ""}`);
    },
  },
  {
    name: "quarantine list",
    summary: "list the nodes held in quarantine, by the operator or by warnings, and those the operator released",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ quarantines: { node: string; source: string; status: string; reason: string; since: string }[] }>("GET", "/quarantine");
      show(ctx, body, (b) => table(["NODE", "STATUS", "BY", "SINCE", "REASON"], b.quarantines.map((q) => [q.node, q.status, q.source, q.since, clip(q.reason, 60)])));
    },
  },
  {
    name: "peer alias",
    usage: "<id> [alias]",
    summary: "name a peer's shared tools <alias>_<name>; \"\" lists them under the names their origin gives them; without an alias, back to its card's name",
    details: "Refused, naming both sides, when a tool of the peer would then be listed under a name another tool holds.",
    min: 1,
    max: 2,
    run: async (ctx, [id, alias]) => {
      const body = await ctx.api.request<{ peer: PeerView & { alias: string } }>("PATCH", `/peers/${seg(id!)}`, { alias: alias ?? null });
      show(ctx, body, (b) => (b.peer.alias === "" ? `${b.peer.id}'s tools are now listed under their origin's names` : `${b.peer.id}'s tools now start with ${b.peer.alias}_`));
    },
  },
  {
    name: "peer announce",
    summary: "say hello to every active peer that has not heard this node's current signing key",
    details: "After a signing-key rotation (PREVIOUS_NODE_SEED), peers learn the new key this way. The tick does it when PUBLIC_URL is set.",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ hellos: { id: string; ok: boolean; error?: string }[] }>("POST", "/peers/announce");
      show(ctx, body, (b) =>
        b.hellos.length === 0 ? "every active peer already has this node's current key" : table(["PEER", "RESULT"], b.hellos.map((h) => [h.id, h.ok ? "ok" : `failed: ${h.error}`])),
      );
      if (body.hellos.some((h) => !h.ok)) process.exitCode = 1;
    },
  },
  {
    name: "peer ping",
    usage: "<id>",
    summary: "send a peer a sealed ping and time the round trip",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      const body = await ctx.api.request<{ pong: { ms: number; at: number } }>("POST", `/peers/${seg(id!)}/ping`);
      show(ctx, body, (b) => `pong from ${id} in ${b.pong.ms} ms (its clock: ${new Date(b.pong.at * 1000).toISOString()})`);
    },
  },
  {
    name: "nodes",
    summary: "list the public nodes this node learned of through the registry (add one with `peer add <url>`)",
    options: { features: { type: "boolean", help: "instead, each pending feature's trust-weighted adoption among them, and whether it is on" } },
    min: 0,
    max: 0,
    run: async (ctx, _, o) => {
      if (o.features) {
        const adopted = await ctx.api.request<{ features: { feature: string; threshold: number; hysteresis: number; adoption: number; active: boolean; off?: boolean; advertisedBy: number; known: number }[] }>("GET", "/nodes/features");
        const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
        show(ctx, adopted, (b) =>
          b.features.length === 0
            ? "no pending features (FEATURES_PENDING)"
            : table(["FEATURE", "ADOPTION", "THRESHOLD", "NODES", "STATE"], b.features.map((f) => [f.feature, pct(f.adoption), `${pct(f.threshold)} (−${pct(f.hysteresis)})`, `${f.advertisedBy}/${f.known}`, f.off ? "off here (FEATURES_OFF)" : f.active ? "active" : "pending"])),
        );
        return;
      }
      const body = await ctx.api.request<{ nodes: { id: string; name: string | null; url: string; peer: string | null; domain?: { host: string; verified: boolean } | null }[] }>("GET", "/nodes");
      show(ctx, body, (b) => table(["ID", "NAME", "URL", "PEER", "VERIFIED"], b.nodes.map((n) => [n.id, n.name ?? "-", n.url, n.peer ?? "-", n.domain?.verified ? n.domain.host : "-"])));
    },
  },
];
