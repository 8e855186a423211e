// The tick deposits each scheduled backup at the holders BACKUP_PEERS names (docs/protocol.md
// §19.2), and reports each holder's outcome: here a holder that is not an active peer, which is
// never sent the file, and without BACKUP_PEERS no deposit at all.
import { afterAll, describe, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import type { TickReport } from "../../src/node/tick.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { startLocal, type LocalStart } from "../../src/runtimes/local.ts";
import { removeTempDirs, tempDir } from "../support/processes.ts";

const TOKEN = "deposit-tick-admin-token-0123";
const opened: { local: LocalStart; app: NodeApp }[] = [];

async function tick(env: Record<string, string>): Promise<TickReport> {
  const local = await startLocal({ DATA_DIR: tempDir("mcpfed-deposit-"), ADMIN_TOKEN: TOKEN, NODE_SEED: newSeed(), TICK_SECONDS: "3600", BACKUP_SCHEDULE: "hourly", ...env });
  const app = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
  opened.push({ local, app });
  const res = await app.app.request("/admin/tick", { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as TickReport;
}

afterAll(async () => {
  for (const n of opened) {
    await n.app.close();
    n.local.client.close();
  }
  removeTempDirs();
});

describe("deposits on the tick", () => {
  it("deposits the backup it made at each named holder, and says why one was not", async () => {
    const report = await tick({ BACKUP_PEERS: "not-a-peer" });
    expect(report.backup).toMatchObject({ made: { bytes: expect.any(Number) }, deposits: [{ holder: "not-a-peer", error: { code: "not_allowed" } }] });
  });

  it("deposits nothing while BACKUP_PEERS is off", async () => {
    const report = await tick({});
    expect(report.backup).toEqual({ made: expect.objectContaining({ bytes: expect.any(Number) }) });
  });
});
