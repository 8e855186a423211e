// Commands for trust between nodes: scores and why, vouching, and rating a tool this node used.
// Each is a thin client of the admin API (src/http/admin/trust.ts).
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { clip, table } from "../framework/format.ts";
import { str, whole } from "../framework/option-values.ts";

interface ScoreRow {
  node: string;
  score: number;
  tier: string;
  penalty: number;
  computedAt: number;
}

interface Why {
  score: number;
  penalty: number;
  /** Its place inside its tier: evidence from accepted observers. */
  acceptedEvidence?: number;
  inflow: { from: string; kind: string; share: number }[];
  staked: { subject: string; penalty: number }[];
  interactions?: { confirmed: number; disputed: number; succeeded: number; failed: number; refusals: number; uptime: number };
  vouchedBy: { origin: string; weight: number; scope?: string; expiresAt: number }[];
  assertedBy: { origin: string; score: number; tier: string }[];
  scoped?: { scope: string; score: number }[];
}

interface EntryView {
  id: string;
  kind: string;
  key: string;
  visibility: string;
  tombstone: boolean;
}

const fixed = (n: number, digits = 3) => n.toFixed(digits);

function whyText(node: string, b: { score: number; tier: string; why: Why }): string {
  const lines = [`${node}: score ${fixed(b.score)}, tier ${b.tier}${b.why.penalty > 0 ? `, penalty ${fixed(b.why.penalty)}` : ""}${b.why.acceptedEvidence !== undefined ? `, accepted evidence ${fixed(b.why.acceptedEvidence)}` : ""}`];
  const i = b.why.interactions;
  if (i) {
    lines.push(
      `seen by this node: ${fixed(i.confirmed, 1)} confirmed, ${fixed(i.disputed, 1)} disputed records; ${fixed(i.succeeded, 1)} calls succeeded, ${fixed(i.failed, 1)} failed; uptime ${Math.round(i.uptime * 100)}%`,
    );
  }
  if (b.why.inflow.length > 0) {
    lines.push("trust comes from:");
    lines.push(table(["FROM", "BY", "SHARE"], b.why.inflow.map((x) => [clip(x.from, 40), x.kind, `${Math.round(x.share * 100)}%`])));
  }
  for (const v of b.why.vouchedBy) lines.push(`vouched for by ${v.origin} at ${v.weight}%${v.scope ? ` (scope ${v.scope})` : ""} until ${new Date(v.expiresAt * 1000).toISOString()}`);
  for (const a of b.why.assertedBy) lines.push(`asserted by ${a.origin}: ${a.score}‰ (${a.tier})`);
  for (const x of b.why.staked) lines.push(`bears ${fixed(x.penalty)} for vouching for ${x.subject}`);
  for (const x of b.why.scoped ?? []) lines.push(`score ${fixed(x.score)} for tools tagged ${x.scope} (scoped vouches; provider choice only)`);
  return lines.join("\n");
}

function entriesText(entries: EntryView[], none: string): string {
  if (entries.length === 0) return none;
  return entries.map((e) => `${e.tombstone ? "revoked" : "published"} ${e.kind} ${e.key} (${e.visibility})`).join("\n");
}

export const trustCommands: Command[] = [
  {
    name: "trust",
    usage: "[node]",
    summary: "show this node's trust scores and tiers, or one node's score and why",
    details: "Scores are in [0, 1], recomputed on the tick from the ledger, relayed calls, uptime, vouches and peers' assertions.",
    options: {
      why: { type: "boolean", help: "with a node: list the evidence behind its score" },
      limit: { type: "string", value: "n", help: "how many scores to list (default 100)" },
    },
    min: 0,
    max: 1,
    run: async (ctx, args, o) => {
      const node = args[0];
      if (node === undefined) {
        const limit = whole(o.limit, "limit", 1, 1000);
        const body = await ctx.api.request<{ self: string; tiers: { name: string; threshold: number }[]; scores: ScoreRow[] }>("GET", `/trust${limit ? `?limit=${limit}` : ""}`);
        show(ctx, body, (b) =>
          [
            `tiers: ${b.tiers.map((t) => `${t.name} ≥ ${t.threshold}`).join(", ")}`,
            b.scores.length === 0 ? "no node has a score yet" : table(["NODE", "SCORE", "TIER", "PENALTY"], b.scores.map((x) => [x.node, fixed(x.score), x.tier, fixed(x.penalty)])),
          ].join("\n"),
        );
        return;
      }
      const body = await ctx.api.request<{ node: string; score: number; tier: string; why: Why }>("GET", `/trust/${seg(node)}`);
      show(ctx, body, (b) => (o.why ? whyText(node, b) : `${node}: score ${fixed(b.score)}, tier ${b.tier}`));
    },
  },
  {
    name: "vouch",
    usage: "<node>",
    summary: "vouch for a node: lend it part of this node's standing, signed and gossiped (or --revoke it)",
    details: "A vouch puts this node's own standing at stake: if the node misbehaves, this node's score drops too.",
    options: {
      weight: { type: "string", value: "percent", help: "how much standing to lend, 1 to 100 (default 50)" },
      scope: { type: "string", value: "scope", help: "limit the vouch to one capability or tag" },
      days: { type: "string", value: "n", help: "days until it expires, 1 to 400 (default 90)" },
      public: { type: "boolean", help: "publish to every node, not only peers" },
      revoke: { type: "boolean", help: "revoke this node's vouch for the node (under --scope, if given)" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [node], o) => {
      const scope = str(o.scope);
      if (o.revoke) {
        if (o.weight !== undefined || o.days !== undefined || o.public) throw new UsageError("--revoke takes only --scope");
        const body = await ctx.api.request<{ entries: EntryView[] }>("DELETE", `/trust/vouches/${seg(node!)}${scope ? `?scope=${seg(scope)}` : ""}`);
        show(ctx, body, (b) => entriesText(b.entries, "nothing to revoke"));
        return;
      }
      const input = {
        subject: node,
        ...(o.weight !== undefined ? { weight: whole(o.weight, "weight", 1, 100) } : {}),
        ...(scope ? { scope } : {}),
        ...(o.days !== undefined ? { days: whole(o.days, "days", 1, 400) } : {}),
        visibility: o.public ? "public" : "peers",
      };
      const body = await ctx.api.request<{ entries: EntryView[] }>("POST", "/trust/vouches", input);
      show(ctx, body, (b) => entriesText(b.entries, "already published as it is"));
    },
  },
  {
    name: "rate",
    usage: "<tool> <1-5> [text]",
    summary: "rate a peer's tool this node called (1 to 5 stars), proven by the co-signed record of a call",
    details: "<tool> is the tool's global id (<origin>/<upstream>/<tool>) or the name this node lists it under. Peers weigh a rating by their trust in the rater.",
    options: { public: { type: "boolean", help: "publish to every node, not only peers" } },
    min: 2,
    max: 3,
    run: async (ctx, [tool, stars, text], o) => {
      const n = Number(stars);
      if (!Number.isInteger(n) || n < 1 || n > 5) throw new UsageError("the stars are a whole number from 1 to 5");
      const body = await ctx.api.request<{ entries: EntryView[] }>("POST", "/trust/ratings", { tool, stars: n, ...(text ? { text } : {}), visibility: o.public ? "public" : "peers" });
      show(ctx, body, (b) => entriesText(b.entries, "already published as it is"));
    },
  },
  {
    name: "rating",
    usage: "<tool>",
    summary: "show a tool's rating: stars weighed by this node's trust in each rater",
    min: 1,
    max: 1,
    run: async (ctx, [tool]) => {
      const body = await ctx.api.request<{ tool: string; stars: number | null; counted: number; ignored: number; ratings: { rater: string; stars: number; weight: number; counted: boolean; reason?: string; text?: string }[] }>(
        "GET",
        `/trust/ratings?tool=${seg(tool!)}`,
      );
      show(ctx, body, (b) =>
        [
          `${b.tool}: ${b.stars === null ? "no counted rating" : `${b.stars} stars`} (${b.counted} counted, ${b.ignored} ignored)`,
          ...(b.ratings.length === 0 ? [] : [table(["RATER", "STARS", "WEIGHT", "COUNTED", "TEXT"], b.ratings.map((r) => [clip(r.rater, 32), String(r.stars), fixed(r.weight), r.counted ? "yes" : (r.reason ?? "no"), clip(r.text ?? "", 40)]))]),
        ].join("\n"),
      );
    },
  },
];
