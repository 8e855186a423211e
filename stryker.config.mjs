// Mutation testing of the protocol core: `npm run mutate` (not part of `npm test`). See docs/mutation.md.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  coverageAnalysis: "perTest",
  concurrency: 2,
  // Module-level mutants (schemas, constants) need every test rerun per mutant: too slow on two cores.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
  ignorePatterns: ["tools", "reports", "docs", "data", ".wrangler"],
  mutate: [
    "src/protocol/**/*.ts",
    // Outside the protocol core, only the security checks: the provider's before it runs a call,
    // the consumer's on a receipt, and the ledger's on every record it takes.
    "src/node/relay/provider.ts:75-110",
    "src/node/relay/consumer.ts:200-207",
    "src/node/ledger/ledger.ts",
  ],
};
