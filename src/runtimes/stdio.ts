// stdio upstreams: a child process per upstream session, spawned on Node and on Deno with a disk (node:child_process).
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import type { JSONRPCMessage } from "@modelcontextprotocol/client";
import { createInterface } from "node:readline";
import type { PassThrough } from "node:stream";
import { redact } from "../secrets/redaction.ts";
import { log } from "../node/logging/log.ts";
import { sandboxDenial } from "../node/packages/sandbox.ts";
import type { StdioConnector, StdioTarget } from "../node/settings/platform.ts";

/** A denial the sandbox made, as the node logs it: typed, with the upstream and where it showed. */
function logDenial(target: StdioTarget, via: "stderr" | "result", text: string): void {
  const denial = sandboxDenial(text);
  if (denial) log.warn("sandbox_denied", { upstream: target.name, via, detail: denial });
}

/** A tool's error result that reports a denial: the package caught it and answered with it. */
function watchResults(target: StdioTarget, transport: StdioClientTransport): void {
  // The client sets onmessage when it connects: the property is wrapped so as to see each answer first.
  let handler = transport.onmessage;
  Object.defineProperty(transport, "onmessage", {
    configurable: true,
    get: () =>
      handler &&
      ((message: JSONRPCMessage) => {
        const result = (message as { result?: { isError?: boolean; content?: { type: string; text?: string }[] } }).result;
        if (result?.isError) for (const c of result.content ?? []) if (c.type === "text" && c.text) logDenial(target, "result", c.text);
        handler!(message);
      }),
    set: (h: typeof handler) => (handler = h),
  });
}

/**
 * The SDK adds its default variables (HOME, PATH, …) to whatever env it is given; naming them
 * undefined takes them out again, as Node's spawn passes no variable whose value is undefined.
 */
function unset(vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(vars).map((k) => [k, undefined])) as unknown as Record<string, string>;
}

export const stdioConnector: StdioConnector = (target) => {
  const transport = new StdioClientTransport({
    command: target.command,
    args: target.args,
    // The child gets a minimal environment plus what the operator registered, not ours; a
    // sandboxed package gets only what it declared.
    env: target.sandboxed ? { ...unset(getDefaultEnvironment()), ...target.env } : { ...getDefaultEnvironment(), ...target.env },
    ...(target.cwd ? { cwd: target.cwd } : {}),
    stderr: "pipe",
  });
  // The child's diagnostics join the node's output line by line, with any secret it prints (its
  // registered env, say) masked.
  createInterface({ input: transport.stderr as PassThrough, crlfDelay: Infinity }).on("line", (line) => {
    process.stderr.write(`${redact(line)}\n`);
    if (target.sandboxed) logDenial(target, "stderr", line);
  });
  if (target.sandboxed) watchResults(target, transport);
  return transport;
};
