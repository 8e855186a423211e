// For Workers: the same DejaVu Sans files as on Node and Deno, bundled as data modules (the
// `*.ttf` rule in wrangler.toml), since a Worker has no file system to read them from. They add
// about 0.9 MiB compressed to the upload (docs/money.md), inside the 3 MiB of the free plan.
import bold from "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf";
import regular from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf";
import type { PdfFonts } from "../node/settings/platform.ts";

// fontkit is evaluated at the first PDF, not when the isolate starts.
export const bundledDejaVuFonts = async (): Promise<PdfFonts> => ({ regular: new Uint8Array(regular), bold: new Uint8Array(bold), fontkit: (await import("./pdf-fontkit.ts")).pdfFontkit });
