// The layering the tree promises (docs/architecture.md): dependency-cruiser checks the module
// rules in `npm test` (.dependency-cruiser.cjs); this checks what it cannot express, that no two
// folders of src/, at any depth, import each other through any path.
import { cruise } from "dependency-cruiser";
import { describe, expect, it } from "vitest";

type Graph = Map<string, Set<string>>;

/** Strongly connected components with more than one folder (Tarjan). */
function cycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The folder of a module at `depth` levels under src/ (its own folder when shallower): the files
 * directly in a folder count as one folder of their own, so a parent and a child may not cycle. */
function folderAt(path: string, depth: number): string {
  const parts = path.split("/").slice(0, -1);
  return parts.slice(0, 1 + depth).join("/");
}

describe("src/ folders", async () => {
  const result = await cruise(["src"], { tsPreCompilationDeps: true, exclude: { path: "migrations\\.gen\\.ts$" } });
  const output = result.output as { modules: { source: string; dependencies: { resolved: string }[] }[] };
  const modules = output.modules.filter((m) => m.source.startsWith("src/"));

  it("are all seen", () => {
    expect(modules.length).toBeGreaterThan(150);
  });

  for (const depth of [1, 2, 3]) {
    it(`have no import cycle between folders ${depth} level(s) deep`, () => {
      const graph: Graph = new Map();
      for (const m of modules) {
        const from = folderAt(m.source, depth);
        for (const d of m.dependencies) {
          if (!d.resolved.startsWith("src/")) continue;
          const to = folderAt(d.resolved, depth);
          if (from === to) continue;
          if (!graph.has(from)) graph.set(from, new Set());
          graph.get(from)!.add(to);
        }
      }
      expect(cycles(graph)).toEqual([]);
    });
  }
});
