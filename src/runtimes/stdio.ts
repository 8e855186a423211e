// stdio upstreams: a child process per upstream session, which only Node can spawn here.
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { createInterface } from "node:readline";
import type { PassThrough } from "node:stream";
import { redact } from "../secrets/redaction.ts";
import type { StdioConnector } from "../node/settings/platform.ts";

export const stdioConnector: StdioConnector = (target) => {
  const transport = new StdioClientTransport({
    command: target.command,
    args: target.args,
    // The child gets a minimal environment plus what the operator registered, not ours.
    env: { ...getDefaultEnvironment(), ...target.env },
    stderr: "pipe",
  });
  // The child's diagnostics join the node's output line by line, with any secret it prints (its
  // registered env, say) masked.
  createInterface({ input: transport.stderr as PassThrough, crlfDelay: Infinity }).on("line", (line) => process.stderr.write(`${redact(line)}\n`));
  return transport;
};
