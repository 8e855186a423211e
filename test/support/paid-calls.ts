// Paid calls that make debts between nodes: `calls` calls of a peer's priced tool, once the
// consumer lists it.
import { expect } from "vitest";
import { connect } from "./mcp.ts";
import { eventually } from "./processes.ts";

export async function callPeerTool(mcpUrl: string, tool: string, calls: number): Promise<void> {
  const client = await connect(mcpUrl);
  try {
    await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain(tool), 30_000);
    for (let k = 0; k < calls; k++) await client.callTool({ name: tool, arguments: { a: k, b: 1 } });
  } finally {
    await client.close();
  }
}
