// The native crypto path: the crypto tests (card, identity, envelope, channel vectors) again, under Node 24 from tools/,
// whose WebCrypto has ML-DSA-65, ML-KEM-768 and SHA3. MCPFED_REQUIRE_NATIVE makes them fail
// rather than quietly fall back to noble.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ROOT, TOOLS } from "../support/processes.ts";

// The tests that run every check on each path of test/protocol/paths.ts.
const CRYPTO_TESTS = ["test/protocol/card.test.ts", "test/protocol/identity.test.ts", "test/protocol/envelope.test.ts", "test/protocol/channel-vectors.test.ts", "test/protocol/channel-lane-answers-vectors.test.ts", "test/protocol/ledger-checkpoint-vectors.test.ts"];

test("the crypto tests pass on the all-native path (Node 24 WebCrypto)", { timeout: 240_000 }, async () => {
  const child = spawn(join(TOOLS, "node"), [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", ...CRYPTO_TESTS, "--reporter=dot"], {
    cwd: ROOT,
    env: { ...process.env, MCPFED_REQUIRE_NATIVE: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once("close", r));
  expect(code, out).toBe(0);
  expect(out).toMatch(/Tests\s+\d+ passed/);
});
