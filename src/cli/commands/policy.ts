// Policy rules: who may call which tools, and how grant requests are decided.
import type { Rule } from "../../node/access/policy/engine.ts";
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { clip, table } from "../framework/format.ts";
import { str, whole } from "../framework/option-values.ts";
import { SUBJECT_HELP, subjectOptions } from "./subjects.ts";

/** A rule as the admin API returns it: the engine's rule and the operator's note. */
type RuleView = Rule & { note: string | null };

function ruleLine(r: RuleView): string[] {
  const who = [r.subjectKind ?? "anyone", r.subjectId && `id=${r.subjectId}`, r.role && `role=${r.role}`].filter(Boolean).join(" ");
  const what = [r.tool && `tool=${r.tool}`, r.upstream && `upstream=${r.upstream}`, r.tag && `tag=${r.tag}`, r.visibility && `visibility=${r.visibility}`, r.trustTier && `tier>=${r.trustTier}`]
    .filter(Boolean)
    .join(" ") || "every tool";
  return [r.id, String(r.priority), r.action, r.effect + (r.ttlSeconds ? ` (${r.ttlSeconds} s)` : ""), who, what, clip(r.note, 40)];
}

export const policyCommands: Command[] = [
  {
    name: "policy list",
    summary: "list policy rules in the order they are tried",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ rules: RuleView[] }>("GET", "/policy/rules");
      show(ctx, body, (b) => table(["ID", "PRIO", "ACTION", "EFFECT", "WHO", "WHAT", "NOTE"], b.rules.map(ruleLine)));
    },
  },
  {
    name: "policy add",
    summary: "add a rule on who may call which tools, or how grant requests are decided",
    details: [
      "Rules are tried by priority (lower first; deny before grant before allow); the first that matches decides.",
      "Without one, local callers may call every tool, peers none, and grant requests wait for you.",
      "  --action call   --effect allow|deny|grant   (grant: callable only with a permission grant)",
      "  --action request --effect allow|deny        (allow: approve requests at once, up to --ttl seconds)",
      "Matches (all optional, all must hold): --subject, --id (glob), --role, --tool (glob over name or global id),",
      "--upstream (glob), --tag, --visibility, --trust-tier (a peer at this trust tier or above).",
    ].join("\n"),
    options: {
      effect: { type: "string", value: "effect", help: "allow, deny or grant" },
      action: { type: "string", value: "action", help: "call (default) or request" },
      priority: { type: "string", value: "n", help: "lower is tried first (default 100)" },
      subject: { type: "string", value: "kind", help: SUBJECT_HELP },
      id: { type: "string", value: "glob", help: "the client id, token id or peer id (glob)" },
      role: { type: "string", value: "role", help: "callers with this role" },
      tool: { type: "string", value: "glob", help: "tool name or global id (glob)" },
      upstream: { type: "string", value: "glob", help: "upstream name (glob)" },
      tag: { type: "string", value: "tag", help: "tools with this tag (e.g. read-only, destructive)" },
      visibility: { type: "string", value: "v", help: "listed or pinned" },
      "trust-tier": { type: "string", value: "tier", help: "peers at this trust tier or above (TRUST_TIERS)" },
      ttl: { type: "string", value: "seconds", help: "for approving request rules: the longest grant" },
      note: { type: "string", value: "text", help: "why the rule exists" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      if (!o.effect) throw new UsageError("give --effect allow, deny or grant");
      const body = await ctx.api.request<{ rule: RuleView }>("POST", "/policy/rules", {
        effect: o.effect,
        ...(o.action !== undefined ? { action: o.action } : {}),
        ...(o.priority !== undefined ? { priority: whole(o.priority, "priority", -1_000_000, 1_000_000) } : {}),
        ...subjectOptions(o),
        role: str(o.role),
        tool: str(o.tool),
        upstream: str(o.upstream),
        tag: str(o.tag),
        visibility: str(o.visibility),
        trustTier: str(o["trust-tier"]),
        ...(o.ttl !== undefined ? { ttlSeconds: whole(o.ttl, "ttl", 1, 30 * 86_400) } : {}),
        note: str(o.note),
      });
      show(ctx, body, (b) => `added rule ${b.rule.id}\n${table(["ID", "PRIO", "ACTION", "EFFECT", "WHO", "WHAT", "NOTE"], [ruleLine(b.rule)])}`);
    },
  },
  {
    name: "policy remove",
    usage: "<id>",
    summary: "remove a policy rule",
    min: 1,
    max: 1,
    run: async (ctx, [id]) => {
      await ctx.api.request("DELETE", `/policy/rules/${seg(id!)}`);
      show(ctx, {}, () => `removed rule ${id}`);
    },
  },
];
