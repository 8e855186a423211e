// Plain-text output: aligned tables and key/value blocks, no colour, so it pipes cleanly.

/** One line, at most `max` characters. */
export function clip(s: string | null | undefined, max = 60): string {
  const line = (s ?? "").split(/\r?\n/, 1)[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return "(none)";
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

export function fields(pairs: [string, string | number | null | undefined][]): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== "");
  const width = Math.max(...shown.map(([k]) => k.length)) + 1;
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join("\n");
}

/** Secret maps as the API returns them: names only, values already masked. */
export function masked(r: Record<string, string> | undefined): string {
  return r ? Object.entries(r).map(([k, v]) => `${k}=${v}`).join(", ") : "";
}
