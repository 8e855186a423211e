// fontkit 2 for pdf-lib. pdf-lib was written against fontkit 1 (its fork @pdf-lib/fontkit), whose
// Babel-compiled classes inherit their static methods through `Object.prototype.__proto__`, which
// Deno 2 removed: there every shaper but the default one lost its `plan` and Arabic failed. fontkit
// 2 is built with real classes and runs on Node, Deno and workerd alike; it only renamed a
// subset's `encodeStream()` (an event stream) to `encode()` (the bytes), which this adapter maps back.
import { create } from "fontkit";
import type { PdfFonts } from "../node/settings/platform.ts";

type PdfFontkit = PdfFonts["fontkit"];
type SubsetBytes = { on(event: string, listener: (bytes?: Uint8Array) => void): SubsetBytes };

export const pdfFontkit: PdfFontkit = {
  create(bytes: Uint8Array) {
    const font = create(bytes as Parameters<typeof create>[0]);
    if (!("createSubset" in font)) throw new TypeError("a font collection, not one font");
    const createSubset = font.createSubset.bind(font);
    const withStream = Object.assign(font, {
      createSubset() {
        const subset = createSubset();
        return Object.assign(subset, {
          // pdf-lib listens for "data", then "end", then "error"; encode() throws inside its promise.
          encodeStream(): SubsetBytes {
            const bytes = subset.encode();
            const stream: SubsetBytes = {
              on(event, listener) {
                if (event === "data") listener(bytes);
                if (event === "end") listener();
                return stream;
              },
            };
            return stream;
          },
        });
      },
    });
    return withStream as unknown as ReturnType<PdfFontkit["create"]>;
  },
};
