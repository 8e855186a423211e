// Runs one command line: parses it, answers --help and usage errors, and runs the command it names
// against the node's admin API. The exit code: 0 done, 1 the node or the request failed, 2 usage.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AdminApi, resolveNodeUrl, resolveToken } from "./admin-api.ts";
import { GLOBAL, type Command, type OptionValues } from "./command.ts";
import { CliError, UsageError } from "./errors.ts";
import { commandHelp, overview } from "./help.ts";

// One parse for every command: the words pick the command afterwards, and each command then
// refuses the options that are not its own.
function optionsTable(commands: Command[]): ParseArgsConfig["options"] {
  const all: ParseArgsConfig["options"] = {};
  for (const spec of [GLOBAL, ...commands.map((c) => c.options ?? {})]) {
    for (const [name, o] of Object.entries(spec)) {
      all[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...("short" in o && o.short ? { short: o.short as string } : {}) };
    }
  }
  return all;
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

function findCommand(commands: Command[], words: string[]): Command | undefined {
  return commands.find((c) => {
    const w = c.name.split(" ");
    return w.every((x, i) => words[i] === x);
  });
}

export async function run(argv: string[], commands: Command[]): Promise<number> {
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
      parsed = parseArgs({ args: head, options: optionsTable(commands), allowPositionals: true, strict: true, tokens: true }) as unknown as Parsed;
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

    const command = findCommand(commands, words);
    if (!command) {
      const group = commands.some((c) => c.name.startsWith(`${words[0]} `)) ? words[0] : undefined;
      if (help && (words.length === 0 || (group && words.length === 1))) {
        out(overview(commands, group));
        return 0;
      }
      err(overview(commands, group));
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
