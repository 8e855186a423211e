// Start-up messages shared by every runtime that prints to a console.
import { ConfigError, type Config } from "../config.ts";

/** Prints a ConfigError (which names the setting) and exits; rethrows anything else. */
export function failStart(err: unknown, exit: (code: number) => never): never {
  if (err instanceof ConfigError) {
    console.error(err.message);
    return exit(1);
  }
  throw err;
}

export function banner(config: Config, runtime: string): string {
  const lines = [`mcpfed node "${config.nodeName}" (${runtime}) serving ${config.publicUrl?.origin ?? "its own URL"}/mcp`];
  if (!config.mcpToken) {
    lines.push("AUTHLESS: /mcp accepts any caller that can reach it. Set MCP_TOKEN before exposing this node.");
  }
  return lines.join("\n");
}
