import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// Mutation runs (`npm run mutate`, stryker.config.mjs): only in-process tests, since a mutant is
// switched on inside the test worker and a spawned node process would never see it.
process.env.MCPFED_MUTATION = "1";

/** Quickest files first (vitest runs the slowest first): a run stops at the first failure, so most mutants die in the cheap tests. */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return (await super.sort(files)).reverse();
  }
}

export default defineConfig({
  test: {
    include: ["test/protocol/**/*.test.ts", "test/node/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Reuses loaded modules between the runs of one mutant and the next: most of a run was imports.
    isolate: false,
    sequence: { sequencer: QuickestFirst },
  },
});
