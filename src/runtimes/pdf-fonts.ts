// For Node and Deno: DejaVu Sans (regular and bold; the dejavu-fonts-ttf package, under the
// Bitstream Vera and public domain terms of its LICENSE) for invoice PDFs: Latin, Greek, Cyrillic
// and Arabic; and, drawn where DejaVu lacks a glyph, Noto Sans SC regular for Han and kana and
// Noto Sans KR regular for Hangul (@expo-google-fonts/noto-sans-sc and -kr, SIL OFL 1.1). Read
// from node_modules at the first PDF (the Noto files at the first that needs each), then kept, with
// fontkit, which embeds them.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { PdfFonts } from "../node/settings/platform.ts";
import { FALLBACK_FONTS } from "./fallback-fonts.ts";

const require = createRequire(import.meta.url);

/** A file read once, kept; a failed read is tried again next time. */
function kept(file: string): () => Promise<Uint8Array> {
  let bytes: Promise<Uint8Array> | undefined;
  return () =>
    (bytes ??= readFile(require.resolve(file)).then(
      (b) => new Uint8Array(b),
      (err: unknown) => {
        bytes = undefined;
        throw err;
      },
    ));
}

const regular = kept("dejavu-fonts-ttf/ttf/DejaVuSans.ttf");
const bold = kept("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf");
const fallbacks = { cjk: kept(FALLBACK_FONTS.cjk.file), hangul: kept(FALLBACK_FONTS.hangul.file) };

export async function localPdfFonts(): Promise<PdfFonts> {
  // fontkit too is loaded only now: it costs a start about 0.3 s of CPU.
  const [r, b, { pdfFontkit }] = await Promise.all([regular(), bold(), import("./pdf-fontkit.ts")]);
  return { regular: r, bold: b, fallbacks, fontkit: pdfFontkit };
}
