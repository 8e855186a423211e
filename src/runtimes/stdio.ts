// stdio upstreams: a child process per upstream session, which only Node can spawn here.
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { StdioConnector } from "../upstreams/pool.ts";

export const stdioConnector: StdioConnector = (target) =>
  new StdioClientTransport({
    command: target.command,
    args: target.args,
    // The child gets a minimal environment plus what the operator registered, not ours.
    env: { ...getDefaultEnvironment(), ...target.env },
    stderr: "inherit",
  });
