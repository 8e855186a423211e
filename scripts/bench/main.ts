// `npm run bench`: the node-foundation benchmarks, printed as markdown for docs/benchmarks.md.
//
//   npm run bench                       proxy overhead, catalog scale, Workers bundle (~3 min)
//   npm run bench -- components profile where the node's time goes on the proxied path
//   npm run bench -- handler            CPU per call in-process: node app vs bare SDK v2 proxy
//   npm run bench -- relay              relayed calls through two nodes, noble and native (~6 min)
//   npm run bench -- all                everything
//
// Knobs (environment): BENCH_ROUNDS, BENCH_CALLS_C1, BENCH_CALLS_C16, BENCH_WARMUP,
// CATALOG_SIZES, SEARCH_CALLS, COMPONENT_OPS, PROFILE_CALLS, PROFILE_CONCURRENCY; for relay,
// RELAY_PATHS, RELAY_ROUNDS, RELAY_CALLS_C1, RELAY_CALLS_C16, RELAY_WARMUP, RELAY_PROFILE_CALLS,
// RELAY_PAIR_OPS, RELAY_KEEP_PROFILES.
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { ROOT } from "../../test/support/processes.ts";
import { runBundleBench } from "./bundle.ts";
import { runCatalogBench } from "./catalog.ts";
import { runHandlerCost } from "./handler-cost.ts";
import { runComponents } from "./components.ts";
import { fmt, machine } from "./lib.ts";
import { runProfile } from "./profile.ts";
import { runProxyBench } from "./proxy.ts";
import { runRelayBench } from "./relay.ts";

const PARTS = {
  proxy: ["Proxy overhead", async () => (await runProxyBench()).markdown],
  catalog: ["Catalog scale: memory, import, search_tools", async () => (await runCatalogBench()).markdown],
  bundle: ["Workers bundle size", async () => runBundleBench().markdown],
  components: ["Cost of each piece of a proxied call (in-process)", async () => (await runComponents()).markdown],
  profile: ["CPU profile of the node under proxied calls", async () => (await runProfile()).markdown],
  handler: ["CPU per proxied call without the listener: node app against a bare SDK v2 proxy", async () => (await runHandlerCost()).markdown],
  relay: ["Relayed calls: direct, local, federated", async () => (await runRelayBench()).markdown],
} as const;
type Part = keyof typeof PARTS;

const args = process.argv.slice(2);
const chosen: Part[] = args.includes("all")
  ? (Object.keys(PARTS) as Part[])
  : args.length
    ? args.map((a) => {
        if (!(a in PARTS)) throw new Error(`unknown part "${a}"; choose from ${Object.keys(PARTS).join(", ")}, all`);
        return a as Part;
      })
    : ["proxy", "catalog", "bundle"];

function revision(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: ROOT, encoding: "utf8" }).trim() !== "";
    return `${sha}${dirty ? " (src/ has uncommitted changes)" : ""}`;
  } catch {
    return "unknown";
  }
}

const started = performance.now();
const load0 = loadavg()[0]!;
const out: string[] = [
  `Run ${new Date().toISOString()} at ${revision()}; ${machine()}; load average ${fmt(load0)} at start.`,
];
for (const part of chosen) {
  const [title, run] = PARTS[part];
  console.error(`== ${title}`);
  out.push("", `### ${title}`, "", await run());
}
out.push("", `Total ${fmt((performance.now() - started) / 1000, 0)} s; load average ${fmt(loadavg()[0]!)} at the end.`);
console.log(out.join("\n"));
process.exit(0);
