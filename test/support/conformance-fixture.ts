// The conformance fixture (test/fixtures/conformance-server) as a process on loopback: the upstream
// that offers every server scenario of the official MCP conformance suites.
import { join } from "node:path";
import { freePort, ROOT, start, waitFor, type Upstream } from "./processes.ts";

export async function startConformanceFixture(): Promise<Upstream> {
  const port = await freePort();
  const proc = start(process.execPath, ["--import", "tsx", join(ROOT, "test/fixtures/conformance-server/main.ts")], { PORT: String(port) });
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitFor(async () => (await fetch(url, { method: "GET" })).status > 0, "conformance fixture", proc);
  return { ...proc, url, port };
}
