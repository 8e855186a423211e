// GET /metrics: the running totals every process adds to, one row per series, in the Prometheus
// text exposition format (version 0.0.4). Histograms are stored in milliseconds and shown in seconds.
import type { Database } from "../../store/database.ts";
import { seriesTotals, type CounterTotal, type HistogramTotal } from "../../store/metrics.ts";
import { ALL_METRICS, HISTOGRAM_BOUNDS_MS } from "./definitions.ts";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** `{a="x",b="y"}` from a stored label set, with extra labels after; empty when there are none. */
function labelText(stored: string, extra: Record<string, string> = {}): string {
  const parsed = JSON.parse(stored) as Record<string, string>;
  const pairs = Object.entries({ ...parsed, ...extra }).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
}

function number(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? "+Inf" : "-Inf";
}

function histogramLines(name: string, h: HistogramTotal): string[] {
  const lines: string[] = [];
  let cumulative = 0;
  HISTOGRAM_BOUNDS_MS.forEach((bound, i) => {
    cumulative += h.buckets[i] ?? 0;
    lines.push(`${name}_bucket${labelText(h.labels, { le: String(bound / 1000) })} ${cumulative}`);
  });
  lines.push(`${name}_bucket${labelText(h.labels, { le: "+Inf" })} ${h.count}`);
  lines.push(`${name}_sum${labelText(h.labels)} ${number(h.sum / 1000)}`);
  lines.push(`${name}_count${labelText(h.labels)} ${h.count}`);
  return lines;
}

/** Every defined metric with its HELP and TYPE, and each series the store holds for it. */
export async function renderExposition(db: Database): Promise<string> {
  const { counters, histograms } = await seriesTotals(db);
  return exposition(counters, histograms);
}

/** The text of these series' totals. */
export function exposition(counters: readonly CounterTotal[], histograms: readonly HistogramTotal[]): string {
  const out: string[] = [];
  for (const m of ALL_METRICS) {
    out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.kind}`);
    if (m.kind === "counter") for (const c of counters.filter((c) => c.name === m.name)) out.push(`${m.name}${labelText(c.labels)} ${c.value}`);
    else for (const h of histograms.filter((h) => h.name === m.name)) out.push(...histogramLines(m.name, h));
  }
  return `${out.join("\n")}\n`;
}
