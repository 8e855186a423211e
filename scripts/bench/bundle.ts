// Workers bundle size: wrangler's dry-run build of src/runtimes/worker.ts, raw and gzip, as
// deployed (wrangler's defaults) and minified, with the packages that weigh most.
//
//   npx tsx scripts/bench/bundle.ts
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { ROOT } from "../../test/support/processes.ts";
import { WRANGLER } from "../../test/support/runtimes.ts";
import { fmt, table } from "./lib.ts";

const CONFIGS = ["wrangler.toml", "wrangler.jsonc", "wrangler.json"];

export interface BundleSize {
  variant: string;
  rawKiB: number;
  gzipKiB: number;
  /** What wrangler itself printed as "Total Upload". */
  wranglerSays: string;
  topPackages: [string, number][];
}

function configFile(): string | undefined {
  return CONFIGS.find((c) => existsSync(join(ROOT, c)));
}

/** Whether the wrangler config minifies already (`minify = true`, or "minify": true). */
function configMinifies(config: string | undefined): boolean {
  return config !== undefined && /^\s*"?minify"?\s*[=:]\s*true/m.test(readFileSync(join(ROOT, config), "utf8"));
}

function build(minify: boolean): BundleSize {
  const out = mkdtempSync(join(tmpdir(), "mcpfed-bundle-"));
  try {
    const config = configFile();
    const args = ["deploy", "--dry-run", "--outdir", out, "--metafile", join(out, "meta.json")];
    if (config) args.push("--config", join(ROOT, config));
    else {
      args.push(
        "src/runtimes/worker.ts",
        "--name",
        "mcpfed",
        "--compatibility-date",
        "2025-09-01",
        "--compatibility-flags",
        "nodejs_compat",
      );
    }
    if (minify) args.push("--minify");
    const log = execFileSync(WRANGLER[0], [WRANGLER[1], ...args], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const code = readdirSync(out).filter((f) => /\.(m?js|wasm)$/.test(f));
    const bytes = code.map((f) => readFileSync(join(out, f)));
    const raw = bytes.reduce((a, b) => a + b.length, 0);
    const gz = bytes.reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0);
    const meta = JSON.parse(readFileSync(join(out, "meta.json"), "utf8")) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const byPkg = new Map<string, number>();
    for (const o of Object.values(meta.outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
        const key = m ? m[1]! : input.startsWith("src/") ? "mcpfed src/" : "other";
        byPkg.set(key, (byPkg.get(key) ?? 0) + bytesInOutput);
      }
    }
    return {
      variant: minify
        ? `with --minify${config ? ` and ${config}` : ""}`
        : `as configured (${config ?? "no wrangler config; CLI flags"}${configMinifies(config) ? ", minify = true" : ", not minified"})`,
      rawKiB: raw / 1024,
      gzipKiB: gz / 1024,
      wranglerSays: /Total Upload: ([^\n]+)/.exec(log)?.[1]?.trim() ?? "n/a",
      topPackages: [...byPkg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function runBundleBench() {
  const sizes = configMinifies(configFile()) ? [build(false)] : [build(false), build(true)];
  const markdown = [
    table(
      ["bundle", "raw KiB", "gzip -9 KiB", "wrangler's own figure"],
      sizes.map((s) => [s.variant, fmt(s.rawKiB, 0), fmt(s.gzipKiB, 0), s.wranglerSays]),
    ),
    "",
    `Largest contributors to the first bundle (raw KiB): ${sizes[0]!.topPackages.map(([p, b]) => `${p} ${fmt(b / 1024, 0)}`).join(", ")}.`,
  ].join("\n");
  return { sizes, markdown };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(runBundleBench().markdown);
}
