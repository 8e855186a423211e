// A public node on workerd (local D1) stores its own compact directory entry (§20.7) when its cron
// tick publishes its card: the put goes through directory_entries in one D1 batch, whose
// statements D1 binds only when drizzle built them. Then the tick's index step reads the directory
// (src/node/discovery/compact-placements.ts: the rows, their count and the store generation
// in one D1 batch): the tick catches a failure there into its report's `index`,
// so the test reads that report rather than a status.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { freePort, waitFor, type NodeProc } from "../support/processes.ts";
import { startWorkerd } from "../support/runtimes.ts";

let node: NodeProc;
let publicUrl: string;

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  node = await startWorkerd({ port, env: { PUBLIC_NODE: "true", PUBLIC_URL: publicUrl } });
});

afterAll(async () => {
  await node?.stop();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

interface EntryView {
  id: string;
  origin: string;
  kind: string;
  url?: string;
}

test("the cron tick stores the node's directory entry in D1, and the registry reads it back", async () => {
  const directory = async () => {
    const view = (await (await node.admin("GET", "/registry")).json()) as { entries: EntryView[] };
    return view.entries.filter((e) => e.kind === "directory" && e.origin === node.nodeId);
  };
  const fired = await fetch(`${node.url}/__scheduled?cron=*+*+*+*+*`);
  expect(fired.status, node.output().slice(-4000)).toBe(200);
  await waitFor(async () => (await directory()).length > 0, "the directory entry stored", node, 30_000);
  const [entry, ...more] = await directory();
  expect(more).toEqual([]);
  expect(entry!.url).toBe(publicUrl);
  expect(entry!.id).toMatch(/^[0-9a-f]{64}$/);
});

test("the tick's index step reads the directory from D1 without an error", async () => {
  const first = (await (await node.admin("POST", "/tick")).json()) as { index: { error?: string; pruned?: number } };
  expect(first.index.error, node.output().slice(-4000)).toBeUndefined();
  expect(first.index.pruned).toBe(0);
  // A second tick reads only what changed since the first: the same batch with a later position.
  const second = (await (await node.admin("POST", "/tick")).json()) as { index: { error?: string; pruned?: number } };
  expect(second.index.error, node.output().slice(-4000)).toBeUndefined();
  expect(second.index.pruned).toBe(0);
});
