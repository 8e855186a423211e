// What a command is: its words, arguments and options, and what it asks of the admin API.
import type { AdminApi } from "./admin-api.ts";

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Context {
  api: AdminApi;
  json: boolean;
  out: (text: string) => void;
  warn: (text: string) => void;
}

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  /** The value's placeholder in help, for string options. */
  value?: string;
  help: string;
}

export interface Command {
  /** The command words, e.g. "upstream add". */
  name: string;
  /** What follows the words in the usage line. */
  usage?: string;
  summary: string;
  details?: string;
  options?: Record<string, OptionSpec>;
  /** Positional arguments after the command words. */
  min: number;
  max: number;
  /** Whether words after `--` mean something to this command. */
  rest?: boolean;
  run: (ctx: Context, args: string[], opts: OptionValues, rest: string[]) => Promise<void>;
}

/** The options every command takes. */
export const GLOBAL: Record<string, OptionSpec & { short?: string }> = {
  url: { type: "string", value: "url", help: "the node's base URL (default: $MCPFED_URL, else http://127.0.0.1:$PORT, port 8787)" },
  token: { type: "string", value: "token", help: "the admin token (default: $ADMIN_TOKEN, else ${DATA_DIR:-data}/admin-token)" },
  json: { type: "boolean", help: "print the API's JSON answer instead of text" },
  help: { type: "boolean", short: "h", help: "show help" },
};

/** Prints the raw answer under --json, otherwise the text `render` makes of it. */
export function show<T>(ctx: Context, body: T, render: (b: T) => string): void {
  ctx.out(ctx.json ? JSON.stringify(body ?? {}, null, 2) : render(body));
}
