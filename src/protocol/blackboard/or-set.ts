// Add-wins observed-remove set (Shapiro et al., "A comprehensive study of CRDTs", 2011). Every add
// makes a dot, `<hlc>/<writer>`, unique because a writer's clock never repeats; a remove names the
// dots its writer observed for the element, so an add concurrent with it (a dot not observed)
// survives. Each writer's adds and removes are kept in rows of their own: a writer can only fill
// its own row, never evict another's dots.
import { MAX_DOTS_PER_WRITER } from "./limits.ts";
import { compareText, type Stamp } from "./stamp.ts";

export interface OrSetState {
  type: "set";
  /** writer → hlc of the add → element. */
  adds: Record<string, Record<string, string>>;
  /** remover → the dots it removed, sorted. */
  removes: Record<string, string[]>;
}

export type OrSetOp = { type: "set"; op: "add"; element: string } | { type: "set"; op: "remove"; dots: string[] };

export class SetBoundError extends RangeError {
  override name = "SetBoundError";
}

const dotOf = (s: Stamp) => `${s.hlc}/${s.writer}`;

export function setFragment(op: OrSetOp, stamp: Stamp): OrSetState {
  if (op.op === "add") return { type: "set", adds: { [stamp.writer]: { [stamp.hlc]: op.element } }, removes: {} };
  return { type: "set", adds: {}, removes: { [stamp.writer]: [...op.dots].sort(compareText) } };
}

export function mergeSets(a: OrSetState, b: OrSetState): OrSetState {
  const adds: OrSetState["adds"] = {};
  for (const writer of new Set([...Object.keys(a.adds), ...Object.keys(b.adds)])) {
    const row = { ...a.adds[writer] };
    // One dot with two elements: its writer signed both. The smaller element, on every replica.
    for (const [hlc, element] of Object.entries(b.adds[writer] ?? {})) row[hlc] = row[hlc] === undefined || element < row[hlc]! ? element : row[hlc]!;
    adds[writer] = Object.fromEntries(Object.entries(row).sort(([x], [y]) => compareText(x, y)).slice(0, MAX_DOTS_PER_WRITER));
  }
  const removes: OrSetState["removes"] = {};
  for (const writer of new Set([...Object.keys(a.removes), ...Object.keys(b.removes)])) {
    const dots = new Set([...(a.removes[writer] ?? []), ...(b.removes[writer] ?? [])]);
    removes[writer] = [...dots].sort(compareText).slice(0, MAX_DOTS_PER_WRITER);
  }
  return { type: "set", adds, removes };
}

/** The dots still live, element by element. */
function liveDots(s: OrSetState): Map<string, string[]> {
  const removed = new Set(Object.values(s.removes).flat());
  const live = new Map<string, string[]>();
  for (const [writer, row] of Object.entries(s.adds))
    for (const [hlc, element] of Object.entries(row)) {
      const dot = dotOf({ hlc, writer });
      if (!removed.has(dot)) live.set(element, [...(live.get(element) ?? []), dot]);
    }
  return live;
}

export function setElements(s: OrSetState): string[] {
  return [...liveDots(s).keys()].sort(compareText);
}

/** The op a writer signs to add `element`; refused once its row of adds is full. */
export function setAdd(s: OrSetState | undefined, writer: string, element: string): OrSetOp {
  if (Object.keys(s?.adds[writer] ?? {}).length >= MAX_DOTS_PER_WRITER) throw new SetBoundError(`a writer holds at most ${MAX_DOTS_PER_WRITER} adds in one set`);
  return { type: "set", op: "add", element };
}

/** The op a writer signs to remove `element` as it sees it now, or undefined when it is not there. */
export function setRemove(s: OrSetState | undefined, writer: string, element: string): OrSetOp | undefined {
  const dots = s ? liveDots(s).get(element) : undefined;
  if (!dots) return undefined;
  if ((s!.removes[writer]?.length ?? 0) + dots.length > MAX_DOTS_PER_WRITER) throw new SetBoundError(`a writer holds at most ${MAX_DOTS_PER_WRITER} removes in one set`);
  return { type: "set", op: "remove", dots: dots.sort(compareText) };
}
