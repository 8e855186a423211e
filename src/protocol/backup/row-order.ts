// The file's row order (§19.1: canonical JSON compared as UTF-16 code units) as a text whose
// code point order is the same, so a store that sorts text by its UTF-8 bytes (SQLite's BINARY
// collation, on every store we run on) sorts rows as the file needs them. UTF-16 order and code
// point order differ only where a surrogate (0xD800–0xDFFF) meets a unit of 0xE000–0xFFFF, so every
// unit from 0xD800 up is moved up by 0x800: the units 0xD800–0xFFFF become the code points
// 0xE000–0x107FF, none a surrogate, in the same order.
const SHIFT_FROM = 0xd800;
const SHIFT = 0x800;
/** Units that move (no `u` flag: the class is over code units), and the code points they move to. */
const SHIFTED_UNIT = /[\ud800-\uffff]/;
const SHIFTED_POINT = /[\ud800-\udbff]|[\ue000-\uffff]/;

/** The sort key of a row's canonical JSON: one code point per UTF-16 unit, order kept. */
export function rowSortKey(text: string): string {
  if (!SHIFTED_UNIT.test(text)) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out += unit < SHIFT_FROM ? text[i] : String.fromCodePoint(unit + SHIFT);
  }
  return out;
}

/** The row's canonical JSON back from its sort key. */
export function rowFromSortKey(key: string): string {
  if (!SHIFTED_POINT.test(key)) return key;
  let out = "";
  for (const ch of key) {
    const point = ch.codePointAt(0)!;
    out += point < SHIFT_FROM ? ch : String.fromCharCode(point - SHIFT);
  }
  return out;
}
