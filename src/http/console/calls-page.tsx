// Calls: the invocation log, filtered by tool, peer, principal and outcome and paged by row id,
// and the per-tool figures of the last hour.
import { KEPT_WINDOW_MINUTES, type CallFigures } from "../../node/metrics/overview.ts";
import { OUTCOMES, type InvocationLog } from "../../node/calls/invocations.ts";
import { Id, Table } from "./layout.tsx";
import type { PageContext } from "./page-context.ts";

type Row = Awaited<ReturnType<InvocationLog["page"]>>[number];

/** Log rows and busiest tools a page shows: the page's CPU follows its rows. */
const PAGE = 25;
const TOOLS = 20;
// The window the store keeps summed, so that a view reads one row per key.
const WINDOW_MINUTES = KEPT_WINDOW_MINUTES;
const FILTERS = ["tool", "peer", "caller", "outcome"] as const;
const TEXT_FILTERS = [
  ["tool", "col.tool"],
  ["peer", "col.peer"],
  ["caller", "col.caller"],
] as const;

export async function callsPage(p: PageContext) {
  const { l } = p;
  const chosen = Object.fromEntries(FILTERS.map((f) => [f, p.query.get(f)?.trim() || undefined])) as Record<(typeof FILTERS)[number], string | undefined>;
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (chosen.tool) q.set("tool", chosen.tool);
  if (chosen.caller) q.set("caller", chosen.caller);
  if (chosen.peer) q.set("upstream", `peer:${chosen.peer}`);
  if (chosen.outcome && (OUTCOMES as readonly string[]).includes(chosen.outcome)) q.set("outcome", chosen.outcome);
  const before = p.query.get("before");
  if (before && /^\d{1,15}$/.test(before)) q.set("before", before);
  q.set("minutes", String(WINDOW_MINUTES));
  q.set("tools", String(TOOLS));
  // One read: the page of the log and the per-tool figures.
  const { invocations, perTool, toolCount } = await p.get<{ invocations: Row[]; perTool: CallFigures["perTool"]; toolCount: number }>(`/invocations/summary?${q}`);
  const next = new URLSearchParams(Object.entries(chosen).filter((e): e is [string, string] => e[1] !== undefined));
  const last = invocations.at(-1);
  if (last) next.set("before", String(last.id));
  return (
    <>
      <form method="get" action="/console/calls" class="filters">
        {TEXT_FILTERS.map(([name, label]) => (
          <label>
            {l.t(label)}
            <input name={name} value={chosen[name] ?? ""} />
          </label>
        ))}
        <label>
          {l.t("col.outcome")}
          <select name="outcome">
            <option value="">{l.t("calls.anyOutcome")}</option>
            {OUTCOMES.map((o) => (
              <option value={o} selected={o === chosen.outcome}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{l.t("filter")}</button>
      </form>
      <Table
        l={l}
        caption={l.t("calls.log")}
        rows={invocations}
        columns={[
          { label: l.t("col.at"), cell: (r) => l.date(r.at) },
          { label: l.t("col.tool"), cell: (r) => <code>{r.toolName}</code> },
          { label: l.t("col.upstream"), cell: (r) => (r.upstream?.startsWith("peer:") ? <Id value={r.upstream} /> : r.upstream ?? "") },
          { label: l.t("col.caller"), cell: (r) => <Id value={r.caller} /> },
          { label: l.t("col.outcome"), cell: (r) => <span class={r.outcome === "ok" || r.outcome === "cache_hit" ? "ok" : "bad"}>{r.outcome}</span> },
          { label: l.t("col.duration"), cell: (r) => l.number(r.durationMs), num: true },
        ]}
      />
      {invocations.length === PAGE ? (
        <p class="pager">
          <a href={`/console/calls?${next}`}>{l.t("more")}</a>
        </p>
      ) : null}
      <Table
        l={l}
        caption={l.t("calls.perTool", { minutes: WINDOW_MINUTES })}
        rows={perTool}
        columns={[
          { label: l.t("col.tool"), cell: (t) => <code>{t.tool}</code> },
          { label: l.t("col.calls"), cell: (t) => l.number(t.calls), num: true },
          { label: l.t("col.errors"), cell: (t) => l.number(t.errors), num: true },
          { label: l.t("col.p50"), cell: (t) => (t.p50Ms === null ? "–" : l.number(t.p50Ms)), num: true },
          { label: l.t("col.p99"), cell: (t) => (t.p99Ms === null ? "–" : l.number(t.p99Ms)), num: true },
        ]}
      />
      {toolCount > perTool.length ? <p>{l.t("list.shown", { shown: l.number(perTool.length), total: l.number(toolCount) })}</p> : null}
    </>
  );
}
