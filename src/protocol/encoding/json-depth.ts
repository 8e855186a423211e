// How deep a JSON value nests, measured without recursion, so that the measuring itself cannot
// overflow the stack on the input it is there to refuse.

/** True when `value` has arrays or objects nested more than `max` levels deep. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, depth] = next;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === "object") pending.push([child, depth + 1]);
  }
  return false;
}
