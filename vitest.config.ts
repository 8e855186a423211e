import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    setupFiles: ["test/support/cleanup.ts"],
    globalSetup: ["test/support/node-bundle.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real processes on loopback ports; two cores, so keep the fan-out small.
    maxWorkers: 2,
  },
});
