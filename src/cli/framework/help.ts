// Help text: the overview of every command (or of one group) and one command's own help.
import { GLOBAL, type Command, type OptionSpec } from "./command.ts";

function optionLines(spec: Record<string, OptionSpec & { short?: string }>): string[] {
  const left = Object.entries(spec).map(([n, o]) => `${o.short ? `-${o.short}, ` : ""}--${n}${o.value ? ` <${o.value}>` : ""}`);
  const width = Math.max(...left.map((l) => l.length));
  return Object.values(spec).map((o, i) => `  ${left[i]!.padEnd(width)}  ${o.help}`);
}

export function commandHelp(c: Command): string {
  const lines = [`Usage: mcpfed ${c.name}${c.usage ? ` ${c.usage}` : ""} [options]`, "", `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`];
  if (c.details) lines.push("", c.details);
  if (c.options) lines.push("", "Options:", ...optionLines(c.options));
  lines.push("", "Global options:", ...optionLines(GLOBAL));
  return lines.join("\n");
}

export function overview(commands: Command[], group?: string): string {
  const shown = commands.filter((c) => !group || c.name.startsWith(`${group} `));
  const left = shown.map((c) => `${c.name}${c.usage ? ` ${c.usage}` : ""}`);
  const width = Math.min(40, Math.max(...left.map((l) => l.length)));
  const list = shown.map((c, i) => {
    const l = left[i]!;
    return l.length > width ? `  ${l}\n  ${"".padEnd(width)}  ${c.summary}` : `  ${l.padEnd(width)}  ${c.summary}`;
  });
  return [
    `Usage: mcpfed ${group ? `${group} <command>` : "<command>"} [options]`,
    "",
    "Manage an mcpfed node through its admin API.",
    "",
    "Commands:",
    ...list,
    "",
    "Global options:",
    ...optionLines(GLOBAL),
    "",
    "Run `mcpfed <command> --help` for a command's options.",
  ].join("\n");
}
