// Commands for configuration as code (docs/protocol.md §19.3): export the signed file, apply one
// (or only show its plan). Secrets the file names are read from this shell's environment, by
// name, and sent only with the apply. Thin clients of the admin API (src/http/admin/config.ts).
import { show, type Command } from "../framework/command.ts";
import { CliError } from "../framework/errors.ts";
import { readLocalFile, saveLocalFile } from "../framework/local-files.ts";
import { str } from "../framework/option-values.ts";

interface Change {
  area: string;
  action: "add" | "update" | "remove";
  key: string;
  before?: unknown;
  after?: unknown;
  blocked?: string;
  note?: string;
}
interface Plan {
  changes: Change[];
  kept: { area: string; key: string }[];
  prune: boolean;
}
interface Outcome {
  change: Change;
  ok: boolean;
  error?: string;
}

const MARK = { add: "+", update: "~", remove: "-" } as const;

function changeLine(c: Change): string {
  const extra = [c.note, c.blocked ? `blocked: ${c.blocked}` : undefined].filter(Boolean).join("; ");
  return `${MARK[c.action]} ${c.area} ${c.key}${extra ? `  (${extra})` : ""}`;
}

/** One line a change, then the fields an update changes, then what the file leaves alone. */
function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  for (const c of plan.changes) {
    lines.push(changeLine(c));
    if (c.action === "update" && c.before && c.after) {
      const before = c.before as Record<string, unknown>;
      const after = c.after as Record<string, unknown>;
      for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
        if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) lines.push(`    ${k}: ${JSON.stringify(before[k]) ?? "(unset)"} → ${JSON.stringify(after[k]) ?? "(unset)"}`);
      }
    }
  }
  for (const k of plan.kept) lines.push(`  ${k.area} ${k.key}  (not in the file: kept; --prune removes it)`);
  if (lines.length === 0) return "nothing to change: the node matches the file";
  return lines.join("\n");
}

/** The secret names the file's upstreams refer to. */
function secretNames(text: string): string[] {
  let doc: { config?: { upstreams?: { headers?: Record<string, { secret?: unknown }>; env?: Record<string, { secret?: unknown }> }[] } };
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const names = (doc.config?.upstreams ?? []).flatMap((u) => [...Object.values(u.headers ?? {}), ...Object.values(u.env ?? {})].map((r) => r?.secret));
  return [...new Set(names.filter((n): n is string => typeof n === "string"))];
}

export const configCommands: Command[] = [
  {
    name: "config export",
    usage: "[--out FILE]",
    summary: "write the node's configuration (upstreams without secrets, names, shares, policy, limits, peers) as a signed file",
    details: "Secrets appear by name only ({\"secret\": \"NAME\"}); give their values as environment variables of those names when you apply the file. Items are one to a line, so the file diffs well in review.",
    options: { out: { type: "string", value: "file", help: "where to write it (default: standard output)" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const text = await ctx.api.requestText("GET", "/config");
      const out = str(o.out);
      if (!out) return ctx.out(text.trimEnd());
      saveLocalFile(out, text);
      ctx.warn(`wrote ${out}`);
    },
  },
  {
    name: "config apply",
    usage: "<file> [--dry-run] [--prune] [--trust-signer ID]",
    summary: "make the node match a configuration file; --dry-run prints the changes and makes none",
    details:
      "The file must be signed by this node, or by the node id or key id given with --trust-signer. Each secret the file names is read from the environment variable of that name. What the node holds and the file does not name is kept unless --prune. Applying the same file twice changes nothing the second time.",
    options: {
      "dry-run": { type: "boolean", help: "print the plan only" },
      prune: { type: "boolean", help: "remove upstreams, shares, rules, limits and peers the file does not name" },
      "trust-signer": { type: "string", value: "id", help: "apply a file signed by this node id or key id" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [path], o) => {
      const file = readLocalFile(path!).toString("utf8");
      const given = secretNames(file).filter((n) => process.env[n]);
      const common = { file, prune: o.prune === true, ...(str(o["trust-signer"]) ? { trustSigner: str(o["trust-signer"]) } : {}) };
      if (o["dry-run"]) {
        const body = await ctx.api.request<{ signer: string; plan: Plan }>("POST", "/config/plan", { ...common, secretNames: given });
        return show(ctx, body, (b) => renderPlan(b.plan));
      }
      const secrets = Object.fromEntries(given.map((n) => [n, process.env[n]!]));
      const body = await ctx.api.request<{ signer: string; outcomes: Outcome[]; kept: Plan["kept"] }>("POST", "/config/apply", { ...common, secrets });
      show(ctx, body, (b) =>
        b.outcomes.length === 0 && b.kept.length === 0
          ? "nothing to change: the node matches the file"
          : [
              ...b.outcomes.map((r) => `${r.ok ? "done" : "FAILED"} ${changeLine(r.change)}${r.error && !r.change.blocked ? `: ${r.error}` : ""}`),
              ...b.kept.map((k) => `  ${k.area} ${k.key}  (not in the file: kept; --prune removes it)`),
            ].join("\n"),
      );
      const failed = body.outcomes.filter((r) => !r.ok).length;
      if (failed > 0) throw new CliError(`${failed} of ${body.outcomes.length} changes failed`);
    },
  },
];
