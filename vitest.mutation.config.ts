import { defineConfig } from "vitest/config";

// Mutation runs (`npm run mutate`, stryker.config.mjs): only in-process tests, since a mutant is
// switched on inside the test worker and a spawned node process would never see it.
process.env.MCPFED_MUTATION = "1";

export default defineConfig({
  test: {
    include: ["test/protocol/**/*.test.ts", "test/crypto/**/*.test.ts", "test/ledger/**/*.test.ts", "test/registry/**/*.test.ts", "test/unit/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
