// Charts drawn on the server as SVG: no script, no library, readable by a screen reader through
// their title and description.
import { raw } from "hono/html";
import { escaped } from "./markup.ts";

export interface Bar {
  label: string;
  total: number;
  part: number;
}

/**
 * One bar as markup, with its error part when there is one: an hour's 60 bars are most of the
 * overview's elements, and written as text they cost a fraction of as many JSX nodes.
 */
function barMarkup(x: number, width: number, y: number, height: number, title: string, part: [y: number, height: number] | undefined): string {
  const err = part ? `<rect class="err" x="${x}" width="${width}" y="${part[0]}" height="${part[1]}"></rect>` : "";
  return `<g><rect class="bar" x="${x}" width="${width}" y="${y}" height="${height}"><title>${escaped(title)}</title></rect>${err}</g>`;
}

/** Bars of `total` with the `part` (errors) drawn darker at their foot; oldest at the start edge. */
export function BarChart(props: { title: string; bars: readonly Bar[]; rtl: boolean }) {
  const w = 640;
  const h = 140;
  const pad = 20;
  const max = Math.max(1, ...props.bars.map((b) => b.total));
  const step = (w - 2 * pad) / Math.max(1, props.bars.length);
  const x = (i: number) => (props.rtl ? w - pad - (i + 1) * step : pad + i * step);
  const y = (v: number) => h - pad - (v / max) * (h - 2 * pad);
  return (
    <svg viewBox={`0 0 ${w} ${h}`} width="100%" role="img" aria-labelledby="chart-title">
      <title id="chart-title">{props.title}</title>
      <line class="axis" x1={pad} x2={w - pad} y1={h - pad} y2={h - pad} />
      <text x={props.rtl ? w - pad : pad} y={12} text-anchor={props.rtl ? "end" : "start"}>
        {max}
      </text>
      {raw(props.bars.map((b, i) => (b.total === 0 ? "" : barMarkup(x(i) + 1, Math.max(1, step - 2), y(b.total), h - pad - y(b.total), `${b.label}: ${b.total}`, b.part > 0 ? [y(b.part), h - pad - y(b.part)] : undefined))).join(""))}
    </svg>
  );
}

export interface GraphNode {
  id: string;
  label: string;
  /** "self", a peer's state, or "far" for a node known only through a peer. */
  kind: string;
  /** The peer it is known through; peers link to the centre. */
  via?: string | undefined;
}

/** This node at the centre, its peers on a ring, nodes known through them on an outer ring. */
export function FederationGraph(props: { title: string; self: GraphNode; nodes: readonly GraphNode[] }) {
  const size = 420;
  const c = size / 2;
  const peers = props.nodes.filter((n) => n.kind !== "far");
  const far = props.nodes.filter((n) => n.kind === "far");
  const place = (list: readonly GraphNode[], r: number) =>
    new Map(list.map((n, i) => [n.id, { x: c + r * Math.cos((2 * Math.PI * i) / list.length - Math.PI / 2), y: c + r * Math.sin((2 * Math.PI * i) / list.length - Math.PI / 2) }]));
  const at = new Map([[props.self.id, { x: c, y: c }], ...place(peers, 110), ...place(far, 185)]);
  const edges = props.nodes.map((n) => ({ from: at.get(n.via && at.has(n.via) ? n.via : props.self.id)!, to: at.get(n.id)! }));
  return (
    <svg viewBox={`0 0 ${size} ${size}`} width="100%" class="graph" role="img" aria-labelledby="graph-title">
      <title id="graph-title">{props.title}</title>
      {edges.map((e) => (
        <line class="edge" x1={e.from.x} y1={e.from.y} x2={e.to.x} y2={e.to.y} />
      ))}
      {[props.self, ...props.nodes].map((n) => {
        const p = at.get(n.id)!;
        return (
          <g>
            <circle class={`node ${n.kind}`} cx={p.x} cy={p.y} r={n.kind === "self" ? 12 : 9}>
              <title>{`${n.label} (${n.kind})`}</title>
            </circle>
            <text x={p.x} y={p.y + 24} text-anchor="middle">
              {n.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
