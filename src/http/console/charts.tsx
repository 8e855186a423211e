// Charts drawn on the server as SVG: no script, no library, readable by a screen reader through
// their title and description.

export interface Bar {
  label: string;
  total: number;
  part: number;
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
      {props.bars.map((b, i) =>
        b.total === 0 ? null : (
          <g>
            <rect class="bar" x={x(i) + 1} width={Math.max(1, step - 2)} y={y(b.total)} height={h - pad - y(b.total)}>
              <title>{`${b.label}: ${b.total}`}</title>
            </rect>
            {b.part > 0 ? <rect class="err" x={x(i) + 1} width={Math.max(1, step - 2)} y={y(b.part)} height={h - pad - y(b.part)} /> : null}
          </g>
        ),
      )}
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
