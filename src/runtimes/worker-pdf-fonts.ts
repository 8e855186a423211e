// For Workers: the same DejaVu Sans files as on Node and Deno, bundled as data modules (the
// `*.ttf` rule in wrangler.toml), since a Worker has no file system to read them from. They add
// about 0.9 MiB compressed to the upload (docs/money.md), inside the 3 MiB of the free plan.
// Noto Sans SC and KR (10.1 and 5.9 MiB) would not fit: they are Workers static assets (the
// `[assets]` of wrangler.toml, copied there by scripts/worker-font-assets.ts), fetched through the
// binding only for an invoice that holds Han, kana or Hangul, then kept by the isolate.
import bold from "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf";
import regular from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf";
import { readCapped } from "../node/outbound/limited-body.ts";
import type { FallbackScript, PdfFonts } from "../node/settings/platform.ts";
import { FALLBACK_FONTS } from "./fallback-fonts.ts";

// The largest is 10.1 MiB; a bound keeps a wrong file from filling the isolate's 128 MB.
const MAX_FONT_BYTES = 16 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

/** The assets binding (a Fetcher), as far as it is used here. */
export interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}

// Only finished downloads are kept: a promise started by one request may never settle in another.
const kept = new Map<FallbackScript, Uint8Array>();

/** One fallback font from the assets, kept by the isolate once fetched; a failed fetch is tried again next time. */
function fromAssets(assets: AssetsBinding, script: FallbackScript): () => Promise<Uint8Array> {
  return async () => {
    const held = kept.get(script);
    if (held) return held;
    // The host is not looked up: a binding's fetch goes to the assets, never out.
    const res = await assets.fetch(new Request(`https://assets.invalid${FALLBACK_FONTS[script].asset}`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }));
    if (!res.ok) throw new Error(`the ${script} font asset answered ${res.status}: is [assets] in wrangler.toml, and was its build run?`);
    const bytes = await readCapped(res, MAX_FONT_BYTES, `the ${script} font asset`);
    kept.set(script, bytes);
    return bytes;
  };
}

/** DejaVu from the bundle; the fallbacks from the assets binding, where the deploy has one. fontkit is evaluated at the first PDF, not when the isolate starts. */
export function workerPdfFonts(assets: AssetsBinding | undefined): () => Promise<PdfFonts> {
  const fallbacks = assets ? { cjk: fromAssets(assets, "cjk"), hangul: fromAssets(assets, "hangul") } : undefined;
  return async () => ({ regular: new Uint8Array(regular), bold: new Uint8Array(bold), fallbacks, fontkit: (await import("./pdf-fontkit.ts")).pdfFontkit });
}
