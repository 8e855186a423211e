// Uniform timing at the gateway (docs/protocol.md §13.5): every answer, whichever check ends it,
// waits out the same floor through the one delay, AnswerFloor.hold. The test checks the path each
// answer takes (the delay asked for and its bound), not how long anything took.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { AnswerFloor } from "../../src/node/routes/gateway/answer-floor.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { OHTTP_REQUEST_TYPE } from "../../src/protocol/routes/ohttp/encapsulation.ts";
import { paddedLengths } from "../../src/protocol/routes/ohttp/padding.ts";
import { startLocal, type LocalStart } from "../../src/runtimes/local.ts";
import { removeTempDirs, tempDir } from "../support/processes.ts";

const FLOOR = 10_000;
let local: LocalStart;
let node: NodeApp;
const post = (body: Uint8Array, type = OHTTP_REQUEST_TYPE) => node.app.request("http://127.0.0.1/federation/v1/gateway", { method: "POST", headers: { "content-type": type }, body: body as BodyInit });

beforeAll(async () => {
  local = await startLocal({ DATA_DIR: tempDir("mcpfed-floor-"), ADMIN_TOKEN: "floor-admin-token-0123456", NODE_SEED: newSeed(), TICK_SECONDS: "3600", GATEWAY_ANSWER_FLOOR_MS: String(FLOOR) });
  node = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
});

afterAll(async () => {
  await node?.close();
  local?.client.close();
  removeTempDirs();
});

describe("the gateway's answer floor", () => {
  it("holds every refusal through the same delay, for what is left of the floor", async () => {
    const hold = vi.spyOn(node.services.routes.answerFloor, "hold").mockResolvedValue(undefined);
    const refusals = [
      await post(new Uint8Array(8), "application/json"), // malformed: not an OHTTP request
      await post(new Uint8Array(8)), // malformed: shorter than its header
      await post(new Uint8Array(paddedLengths("request")[0]!)), // a padded request's length, naming suite 0/0/0
    ];
    expect(refusals.map((r) => r.status)).toEqual([400, 400, 400]);
    expect(await Promise.all(refusals.map(async (r) => ((await r.json()) as { error: { code: string } }).error.code))).toEqual(["malformed", "malformed", "unsupported_suite"]);
    expect(hold).toHaveBeenCalledTimes(3);
    for (const [ms] of hold.mock.calls) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(FLOOR);
    }
    hold.mockRestore();
  });

  it("waits out only the remainder, and nothing once the floor has passed", async () => {
    let now = 0;
    const floor = new AnswerFloor(50, () => now);
    const hold = vi.spyOn(floor, "hold").mockResolvedValue(undefined);
    const fast = floor.start();
    now = 20;
    await fast();
    const slow = floor.start();
    now = 200;
    await slow();
    expect(hold.mock.calls).toEqual([[30], [0]]);
  });
});
