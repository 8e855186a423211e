// Overview: health, version, crypto path, uptime, open alerts, and the call figures of the last hour.
import { KEPT_WINDOW_MINUTES, type CallFigures } from "../../node/metrics/overview.ts";
import type { AlertBody } from "../../protocol/alerts/webhook.ts";
import { AlertTable } from "./alerts-page.tsx";
import { BarChart } from "./charts.tsx";
import { Figures, Id } from "./layout.tsx";
import type { PageContext } from "./page-context.ts";

// The window the store keeps summed, so that a view reads one row per key.
const WINDOW_MINUTES = KEPT_WINDOW_MINUTES;

export async function overviewPage(p: PageContext) {
  const { l } = p;
  // The audit chain is walked whole once per process, then only what was appended since: the
  // Access page walks it all.
  const overview = await p.get<{
    version: string;
    startedAt: string;
    calls: CallFigures;
    node: { id: string; crypto: string };
    upstreams: { failing: number };
    audit: { ok: boolean; entries: number };
    alerts: AlertBody[];
  }>(`/overview?minutes=${WINDOW_MINUTES}`);
  const { node: identity, audit, alerts: open } = overview;
  const failing = overview.upstreams.failing;
  const f = overview.calls;
  const ms = (v: number | null) => (v === null ? "–" : `${l.number(v, 0)} ms`);
  return (
    <>
      <Figures
        items={[
          { label: l.t("overview.health"), value: failing ? l.t("overview.degraded", { count: failing }) : l.t("overview.healthy"), tone: failing ? "bad" : "ok" },
          { label: l.t("overview.version"), value: overview.version },
          { label: l.t("overview.uptime"), value: l.date(overview.startedAt) },
          { label: l.t("overview.audit"), value: audit.ok ? l.t("overview.auditOk", { count: audit.entries }) : l.t("overview.auditBroken"), tone: audit.ok ? "ok" : "bad" },
          { label: l.t("nav.alerts"), value: open.length ? l.t("alerts.count", { count: open.length }) : l.t("alerts.none"), tone: open.length ? "bad" : "ok" },
        ]}
      />
      {open.length ? <AlertTable p={p} caption={l.t("alerts.open")} alerts={open} ack /> : null}
      <p>
        {l.t("overview.node")}: <Id value={identity.id} />
        <br />
        {l.t("overview.crypto")}: <code>{identity.crypto}</code>
      </p>
      <h2>{l.t("overview.window", { minutes: f.windowMinutes })}</h2>
      <Figures
        items={[
          { label: l.t("overview.cpm"), value: l.number(f.callsPerMinute) },
          { label: l.t("overview.errors"), value: l.percent(f.errorRate) },
          { label: l.t("overview.p50"), value: ms(f.p50Ms) },
          { label: l.t("overview.p99"), value: ms(f.p99Ms) },
        ]}
      />
      <BarChart title={l.t("overview.chart")} rtl={l.dir === "rtl"} bars={f.perMinute.map((m) => ({ label: l.date(m.minute), total: m.calls, part: m.errors }))} />
    </>
  );
}
