// Overview: health, version, crypto path, uptime, and the call figures of the last hour.
import type { CallFigures } from "../../../node/calls/overview-figures.ts";
import { BarChart } from "../charts.tsx";
import { Id } from "../layout.tsx";
import type { PageContext } from "../page-context.ts";

const WINDOW_MINUTES = 60;

export async function overviewPage(p: PageContext) {
  const { l } = p;
  const [overview, identity, upstreams, audit] = await Promise.all([
    p.get<{ version: string; startedAt: string; calls: CallFigures }>(`/overview?minutes=${WINDOW_MINUTES}`),
    p.get<{ id: string; crypto: string }>("/identity"),
    p.get<{ upstreams: { status: string }[] }>("/upstreams"),
    p.get<{ ok: boolean; entries: number }>("/audit/verify"),
  ]);
  const failing = upstreams.upstreams.filter((u) => u.status !== "ok").length;
  const f = overview.calls;
  const ms = (v: number | null) => (v === null ? "–" : `${l.number(v, 0)} ms`);
  return (
    <>
      <dl class="figures">
        <div>
          <dt>{l.t("overview.health")}</dt>
          <dd class={failing ? "bad" : "ok"}>{failing ? l.t("overview.degraded", { count: failing }) : l.t("overview.healthy")}</dd>
        </div>
        <div>
          <dt>{l.t("overview.version")}</dt>
          <dd>{overview.version}</dd>
        </div>
        <div>
          <dt>{l.t("overview.uptime")}</dt>
          <dd>{l.date(overview.startedAt)}</dd>
        </div>
        <div>
          <dt>{l.t("overview.audit")}</dt>
          <dd class={audit.ok ? "ok" : "bad"}>{audit.ok ? l.t("overview.auditOk", { count: audit.entries }) : l.t("overview.auditBroken")}</dd>
        </div>
      </dl>
      <p>
        {l.t("overview.node")}: <Id value={identity.id} />
        <br />
        {l.t("overview.crypto")}: <code>{identity.crypto}</code>
      </p>
      <h2>{l.t("overview.window", { minutes: f.windowMinutes })}</h2>
      <dl class="figures">
        <div>
          <dt>{l.t("overview.cpm")}</dt>
          <dd>{l.number(f.callsPerMinute)}</dd>
        </div>
        <div>
          <dt>{l.t("overview.errors")}</dt>
          <dd>{l.percent(f.errorRate)}</dd>
        </div>
        <div>
          <dt>{l.t("overview.p50")}</dt>
          <dd>{ms(f.p50Ms)}</dd>
        </div>
        <div>
          <dt>{l.t("overview.p99")}</dt>
          <dd>{ms(f.p99Ms)}</dd>
        </div>
      </dl>
      <BarChart title={l.t("overview.chart")} rtl={l.dir === "rtl"} bars={f.perMinute.map((m) => ({ label: l.date(m.minute), total: m.calls, part: m.errors }))} />
    </>
  );
}
