// Start-up messages shared by every runtime that prints to a console.
import { ConfigError, type Config } from "../node/settings/config.ts";

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
  if (config.authless) {
    lines.push(
      "AUTHLESS: /mcp accepts any caller that can reach it, with no token. Fine on loopback for one person;",
      "  bind elsewhere and OAuth or an API token is required (AUTHLESS=false requires it here too). See docs/security.md.",
    );
  } else {
    lines.push("Auth required on /mcp: OAuth (consent with CONSENT_PASSPHRASE or ADMIN_TOKEN) or an API token (mcpfed token create).");
  }
  // The edge's default "*" is safe (the platform routes by Host); one the operator chose is not.
  if (config.allowedHosts.includes("*") && config.publicUrl) {
    lines.push("WARNING: ALLOWED_HOSTS=* turns off the Host check that stops DNS rebinding; name the hosts this node answers to.");
  }
  return lines.join("\n");
}
