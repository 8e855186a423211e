// For Node and Deno: DejaVu Sans (regular and bold; the dejavu-fonts-ttf package, under the
// Bitstream Vera and public domain terms of its LICENSE) for invoice PDFs: Latin, Greek, Cyrillic
// and Arabic; and Noto Sans SC regular (@expo-google-fonts/noto-sans-sc, SIL OFL 1.1) for CJK,
// drawn where DejaVu lacks a glyph. Read from node_modules at the first PDF, then kept (about
// 12 MB in memory), with fontkit, which embeds them.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { PdfFonts } from "../node/settings/platform.ts";

const require = createRequire(import.meta.url);
let loaded: Promise<PdfFonts> | undefined;

export function localPdfFonts(): Promise<PdfFonts> {
  const files = ["dejavu-fonts-ttf/ttf/DejaVuSans.ttf", "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf", "@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"];
  // fontkit too is loaded only now: it costs a start about 0.3 s of CPU.
  loaded ??= Promise.all([Promise.all(files.map((file) => readFile(require.resolve(file)))), import("./pdf-fontkit.ts")]).then(
    ([[regular, bold, cjk], { pdfFontkit }]) => ({ regular: new Uint8Array(regular!), bold: new Uint8Array(bold!), cjk: new Uint8Array(cjk!), fontkit: pdfFontkit }),
    (err: unknown) => {
      loaded = undefined;
      throw err;
    },
  );
  return loaded;
}
