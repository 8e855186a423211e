// One line of text as the runs a PDF draws left to right (Unicode bidirectional algorithm, via
// bidi-js). pdf-lib hands each run to fontkit, which shapes Arabic (joining forms, lam-alef) in
// logical order and reverses a run of a right-to-left script itself; so a run keeps its logical
// order here, mirrored brackets put in, and only runs fontkit would not reverse (right-to-left
// runs of neutral characters alone) are reversed by hand.
import bidiFactory from "bidi-js";

const bidi = bidiFactory();
const RTL_SCRIPT = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;

export interface VisualRun {
  text: string;
  rtl: boolean;
}

export function visualRuns(line: string, base: "ltr" | "rtl"): VisualRun[] {
  if (line === "") return [];
  const levels = bidi.getEmbeddingLevels(line, base);
  const mirrored = bidi.getMirroredCharactersMap(line, levels.levels);
  // Runs of one level, in logical order (indices are UTF-16 units, as bidi-js counts them).
  const units = line.split("").map((_, i) => mirrored.get(i) ?? line[i]!);
  const runs: { text: string; level: number }[] = [];
  for (let i = 0; i < units.length; i++) {
    const level = levels.levels[i]!;
    const last = runs[runs.length - 1];
    if (last && last.level === level) last.text += units[i];
    else runs.push({ text: units[i]!, level });
  }
  // Rule L2: from the highest level down to the lowest odd one, reverse each stretch of runs at
  // that level or higher.
  const max = Math.max(...runs.map((r) => r.level));
  const lowestOdd = Math.min(...runs.map((r) => r.level).filter((l) => l % 2 === 1), max + 1);
  for (let level = max; level >= lowestOdd; level--) {
    for (let i = 0; i < runs.length; ) {
      if (runs[i]!.level < level) {
        i++;
        continue;
      }
      let j = i;
      while (j < runs.length && runs[j]!.level >= level) j++;
      runs.splice(i, j - i, ...runs.slice(i, j).reverse());
      i = j;
    }
  }
  return runs.map((r) => {
    const rtl = r.level % 2 === 1;
    return { text: rtl && !RTL_SCRIPT.test(r.text) ? [...r.text].reverse().join("") : r.text, rtl };
  });
}
