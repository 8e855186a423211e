// The text a PDF draws, read back as a reader would: each Tj's glyph codes mapped through its
// font's ToUnicode CMap (embedded fonts), with the x where it starts.
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, type PDFRef } from "pdf-lib";
import { expect } from "vitest";

/** One text-showing operator: where it starts, and the text of each glyph it draws, in drawing order. */
export interface Shown {
  x: number;
  glyphs: string[];
  codes: string[];
}

/** Every Tj of every page, its glyph codes mapped back through its font's ToUnicode CMap. */
export async function shown(bytes: Uint8Array): Promise<Shown[]> {
  const doc = await PDFDocument.load(bytes);
  const out: Shown[] = [];
  for (const page of doc.getPages()) {
    const fonts = page.node.Resources()!.lookup(PDFName.of("Font"), PDFDict);
    const maps = new Map<string, Map<string, string>>();
    for (const [name, ref] of fonts.entries()) {
      const font = doc.context.lookup(ref as PDFRef, PDFDict);
      const cmap = font.lookup(PDFName.of("ToUnicode"));
      expect(cmap, `font ${name.asString()} has a ToUnicode map`).toBeInstanceOf(PDFRawStream);
      maps.set(name.asString(), toUnicode(new TextDecoder("latin1").decode(decodePDFRawStream(cmap as PDFRawStream).decode())));
    }
    const contents = page.node.Contents()!;
    const streams = contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
    for (const s of streams) {
      const ops = new TextDecoder("latin1").decode(decodePDFRawStream(s as PDFRawStream).decode());
      for (const m of ops.matchAll(/(\/\S+) [\d.]+ Tf[\s\S]*?(-?[\d.]+) (-?[\d.]+) Tm\s*<([0-9A-Fa-f]*)> Tj/g)) {
        const map = maps.get(m[1]!)!;
        const codes = m[4]!.match(/.{4}/g) ?? [];
        out.push({ x: Number(m[2]), codes, glyphs: codes.map((c) => map.get(c.toUpperCase()) ?? "\uFFFD") });
      }
    }
  }
  return out;
}

/** A ToUnicode CMap's bfchar and bfrange entries, glyph code (4 hex digits) → text. */
function toUnicode(cmap: string): Map<string, string> {
  const map = new Map<string, string>();
  const utf16 = (hex: string) => String.fromCharCode(...(hex.match(/.{4}/g) ?? []).map((h) => parseInt(h, 16)));
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) for (const e of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(e[1]!.toUpperCase(), utf16(e[2]!));
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const e of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      const [lo, hi, first] = [parseInt(e[1]!, 16), parseInt(e[2]!, 16), parseInt(e[3]!, 16)];
      for (let c = lo; c <= hi; c++) map.set(c.toString(16).toUpperCase().padStart(4, "0"), String.fromCodePoint(first + c - lo));
    }
  }
  return map;
}

export const inDrawingOrder = (s: Shown) => s.glyphs.join("");
/** A right-to-left run is drawn last letter first: read back, its glyphs reversed give the text. */
export const inReadingOrder = (s: Shown) => [...s.glyphs].reverse().join("");

