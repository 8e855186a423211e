// The Workers static assets: the invoice PDFs' fallback fonts (src/runtimes/fallback-fonts.ts),
// copied from node_modules into dist/worker-assets, the `[assets]` directory of wrangler.toml.
// wrangler runs it as the `[build]` command before `wrangler dev` and `wrangler deploy`, so a
// deploy uploads the fonts as assets, never in the script.
//
//   npx tsx scripts/worker-font-assets.ts
import { copyFileSync, mkdirSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FALLBACK_FONTS } from "../src/runtimes/fallback-fonts.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const WORKER_ASSETS = join(root, "dist/worker-assets");
const require = createRequire(import.meta.url);

for (const { file, asset } of Object.values(FALLBACK_FONTS)) {
  const to = join(WORKER_ASSETS, asset);
  mkdirSync(dirname(to), { recursive: true });
  // Renamed into place: a `wrangler dev` already serving the directory never reads half a file.
  copyFileSync(require.resolve(file), `${to}.${process.pid}.part`);
  renameSync(`${to}.${process.pid}.part`, to);
}
