// The admin API's upstream shape: an operator registers a command, never one that runs as a
// sandboxed package does or from a package's folder (only the package installer sets those).
import { describe, expect, it } from "vitest";
import { operatorUpstreamInput, upstreamInput } from "../../src/store/upstream-spec.ts";

const command = { name: "tool", kind: "stdio", command: "node", args: ["server.js"] } as const;

describe("operatorUpstreamInput", () => {
  it("takes an operator's stdio and http upstreams", () => {
    expect(operatorUpstreamInput.safeParse(command).success).toBe(true);
    expect(operatorUpstreamInput.safeParse({ name: "web", kind: "http", url: "https://example.com/mcp" }).success).toBe(true);
  });

  for (const extra of [{ cwd: "/var/lib/mcpfed/package-data/x" }, { sandboxed: true }, { sandboxed: false }]) {
    it(`refuses ${Object.keys(extra)[0]} from an operator, naming the field`, () => {
      const r = operatorUpstreamInput.safeParse({ ...command, ...extra });
      expect(r.success).toBe(false);
      expect(r.error!.issues[0]).toMatchObject({ path: Object.keys(extra), message: "set only by the package installer (mcpfed package install)" });
      // The installer's own shape keeps them.
      expect(upstreamInput.parse({ ...command, ...extra })).toMatchObject(extra);
    });
  }
});
