import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Known failing, not yet fixed (docs/testing.md, "Excluded end-to-end tests"): run them by name
    // (`npx vitest run test/e2e/packages.test.ts`); they are excluded here so that the suite stays a
    // gate for everything else, not to hide them.
    exclude: ["test/e2e/packages.test.ts", "test/e2e/discovery-index.test.ts", "**/node_modules/**"],
    setupFiles: ["test/support/cleanup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real processes on loopback ports; two cores, so keep the fan-out small.
    maxWorkers: 2,
  },
});
