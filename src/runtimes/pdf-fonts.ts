// For Node only (Deno 2 has no Object.prototype.__proto__, which fontkit's shapers inherit through: docs/money.md). DejaVu Sans (regular and bold; the
// dejavu-fonts-ttf package, under the Bitstream Vera and public domain terms of its LICENSE) for invoice PDFs: Latin, Greek, Cyrillic and Arabic. Read from
// node_modules at the first PDF, then kept (about 1.4 MB in memory), with fontkit, which embeds
// them: neither is in a Workers bundle.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import fontkit from "@pdf-lib/fontkit";
import type { PdfFonts } from "../node/settings/platform.ts";

const require = createRequire(import.meta.url);
let loaded: Promise<PdfFonts> | undefined;

export function dejaVuFonts(): Promise<PdfFonts> {
  loaded ??= Promise.all(["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((file) => readFile(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)))).then(
    ([regular, bold]) => ({ regular: new Uint8Array(regular!), bold: new Uint8Array(bold!), fontkit }),
    (err: unknown) => {
      loaded = undefined;
      throw err;
    },
  );
  return loaded;
}
