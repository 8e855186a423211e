// mcpfed: the operator's command line, a client of the node's admin API.
// `npm run cli -- <command>`, or `npx mcpfed <command>` through scripts/mcpfed.js.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AdminApi, CliError, resolveNodeUrl, resolveToken, UsageError } from "./api.ts";
import { accessCommands } from "./access-commands.ts";
import { commands as catalogCommands, type Command, type OptionSpec, type OptionValues } from "./commands.ts";
import { ledgerCommands } from "./ledger-commands.ts";

const commands: Command[] = [...catalogCommands, ...accessCommands, ...ledgerCommands];

const GLOBAL: Record<string, OptionSpec & { short?: string }> = {
  url: { type: "string", value: "url", help: "the node's base URL (default: $MCPFED_URL, else http://127.0.0.1:$PORT, port 8787)" },
  token: { type: "string", value: "token", help: "the admin token (default: $ADMIN_TOKEN, else ${DATA_DIR:-data}/admin-token)" },
  json: { type: "boolean", help: "print the API's JSON answer instead of text" },
  help: { type: "boolean", short: "h", help: "show help" },
};

// One parse for every command: the words pick the command afterwards, and each command then
// refuses the options that are not its own.
const ALL_OPTIONS: ParseArgsConfig["options"] = {};
for (const spec of [GLOBAL, ...commands.map((c) => c.options ?? {})]) {
  for (const [name, o] of Object.entries(spec)) {
    ALL_OPTIONS[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...("short" in o && o.short ? { short: o.short as string } : {}) };
  }
}

function optionLines(spec: Record<string, OptionSpec & { short?: string }>): string[] {
  const left = Object.entries(spec).map(([n, o]) => `${o.short ? `-${o.short}, ` : ""}--${n}${o.value ? ` <${o.value}>` : ""}`);
  const width = Math.max(...left.map((l) => l.length));
  return Object.values(spec).map((o, i) => `  ${left[i]!.padEnd(width)}  ${o.help}`);
}

function commandHelp(c: Command): string {
  const lines = [`Usage: mcpfed ${c.name}${c.usage ? ` ${c.usage}` : ""} [options]`, "", `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`];
  if (c.details) lines.push("", c.details);
  if (c.options) lines.push("", "Options:", ...optionLines(c.options));
  lines.push("", "Global options:", ...optionLines(GLOBAL));
  return lines.join("\n");
}

function overview(group?: string): string {
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

interface Parsed {
  values: OptionValues;
  positionals: string[];
  tokens: (
    | { kind: "option"; name: string; index: number; value?: string | undefined }
    | { kind: "positional"; index: number; value: string }
    | { kind: "option-terminator"; index: number }
  )[];
}

function findCommand(words: string[]): Command | undefined {
  return commands.find((c) => {
    const w = c.name.split(" ");
    return w.every((x, i) => words[i] === x);
  });
}

export async function main(argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  let running: string | undefined;
  try {
    // Everything after the first `--` is passed through untouched (a stdio command's own flags).
    const dd = argv.indexOf("--");
    const head = dd < 0 ? argv : argv.slice(0, dd);
    const rest = dd < 0 ? [] : argv.slice(dd + 1);

    let parsed: Parsed;
    try {
      // The options table is built at run time, so parseArgs cannot type the values itself.
      parsed = parseArgs({ args: head, options: ALL_OPTIONS, allowPositionals: true, strict: true, tokens: true }) as unknown as Parsed;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals, tokens } = parsed;
    let words = positionals;
    let help = values.help === true;
    if (words[0] === "help") {
      help = true;
      words = words.slice(1);
    }

    const command = findCommand(words);
    if (!command) {
      const group = commands.some((c) => c.name.startsWith(`${words[0]} `)) ? words[0] : undefined;
      if (help && (words.length === 0 || (group && words.length === 1))) {
        out(overview(group));
        return 0;
      }
      err(overview(group));
      if (group && words.length === 1) err(`\nmcpfed: ${group} wants a command`);
      else if (words.length > 0) err(`\nmcpfed: unknown command: ${words.join(" ")}`);
      return 2;
    }
    if (help) {
      out(commandHelp(command));
      return 0;
    }

    // The command's words start at the first positional; a --url after them belongs to
    // `upstream add` (the upstream's URL), anywhere else it is the node's.
    const firstWord = tokens.find((t) => t.kind === "positional")?.index ?? 0;
    let nodeUrl: string | undefined;
    let upstreamUrl: string | undefined;
    for (const t of tokens) {
      if (t.kind !== "option") continue;
      if (!(t.name in GLOBAL) && !(command.options && t.name in command.options)) {
        throw new UsageError(`${command.name} does not take --${t.name}`);
      }
      if (t.name === "url") {
        if (command.options?.url && t.index > firstWord) upstreamUrl = t.value;
        else nodeUrl = t.value;
      }
    }

    const args = words.slice(command.name.split(" ").length);
    if (!command.rest && rest.length > 0) args.push(...rest);
    if (args.length < command.min || args.length > command.max) {
      throw new UsageError(`usage: mcpfed ${command.name}${command.usage ? ` ${command.usage}` : ""}`);
    }

    running = command.name;
    const opts: OptionValues = { ...values, url: upstreamUrl };
    const api = new AdminApi(resolveNodeUrl(nodeUrl, process.env), resolveToken(values.token as string | undefined, process.env));
    await command.run({ api, json: values.json === true, out, warn: err }, args, opts, command.rest ? rest : []);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CliError) {
      // Name the command the node refused, so "not found" says what was not found.
      err(`mcpfed${running && !(e instanceof UsageError) ? ` ${running}` : ""}: ${e.message}`);
      if (e instanceof UsageError) err("(run with --help for usage)");
      return e.exitCode;
    }
    err(`mcpfed: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
