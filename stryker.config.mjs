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
    "src/bytes.ts",
    "src/identity/{seed,composite,xwing,keys,primitives,native,noble,rotation,imported}.ts",
    "src/card/{schema,sign,verify}.ts",
    "src/envelope/{wire,seal,open,hpke,response,errors}.ts",
    "src/federation/messages.ts",
    "src/gossip/{messages,hlc,reconciliation}.ts",
    "src/relay/{messages,frames,request-hash}.ts",
    "src/ledger/{messages,record,pricing,grant,signing,acceptance}.ts",
    "src/registry/{entry,conflict,admission,signing,semver}.ts",
    "src/peers/hello-wire.ts",
    // Outside the core, only the security checks: the provider's before it runs a call, the
    // consumer's on a receipt, and the ledger's on every record it takes.
    "src/relay/provider.ts:83-118",
    "src/relay/consumer.ts:185-192",
    "src/ledger/ledger.ts",
  ],
};
