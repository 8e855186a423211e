// The order of writes on the blackboard: the writer's hybrid logical clock (protocol §7.2), then
// the writer's node id, so that two writes stamped in the same millisecond by two nodes still
// have one winner on every replica.

export interface Stamp {
  hlc: string;
  writer: string;
}

/** Negative, zero or positive as `a` is before, the same as, or after `b`. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.hlc !== b.hlc) return a.hlc < b.hlc ? -1 : 1;
  if (a.writer !== b.writer) return a.writer < b.writer ? -1 : 1;
  return 0;
}

/** Code-unit order, as every comparison on the blackboard uses: no locale can change it. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
