// Alerts: the open ones with an acknowledge button, the recently resolved ones, and the rules;
// the Overview shows the open ones through the same table.
import type { AlertBody } from "../../protocol/alerts/webhook.ts";
import { Action, Table } from "./layout.tsx";
import type { PageContext } from "./page-context.ts";

interface RuleRow {
  id: string;
  kind: string;
  severity: string;
  params: Record<string, number>;
}

const RESOLVED_SHOWN = 20;

/** Open (or resolved) alerts; `ack` adds the acknowledge button to those not acknowledged yet. */
export function AlertTable(props: { p: PageContext; caption: string; alerts: readonly AlertBody[]; ack: boolean }) {
  const { l, csrf, back } = props.p;
  return (
    <Table
      l={l}
      caption={props.caption}
      rows={props.alerts}
      columns={[
        { label: l.t("col.severity"), cell: (a) => <span class={a.severity === "critical" ? "bad" : undefined}>{a.severity}</span> },
        { label: l.t("col.summary"), cell: (a) => a.summary },
        { label: l.t("col.rule"), cell: (a) => a.rule },
        { label: l.t("col.opened"), cell: (a) => l.date(a.openedAt) },
        props.ack
          ? { label: l.t("col.acknowledged"), cell: (a) => (a.acknowledgedAt ? l.date(a.acknowledgedAt) : <Action csrf={csrf} back={back} action="alert-ack" fields={{ id: String(a.id) }} label={l.t("alerts.ack")} />) }
          : { label: l.t("col.resolved"), cell: (a) => l.date(a.resolvedAt) },
      ]}
    />
  );
}

export async function alertsPage(p: PageContext) {
  const { l } = p;
  const [open, resolved, rules] = await Promise.all([
    p.get<{ alerts: AlertBody[] }>("/alerts?state=open"),
    p.get<{ alerts: AlertBody[] }>(`/alerts?state=resolved&limit=${RESOLVED_SHOWN}`),
    p.get<{ rules: RuleRow[] }>("/alerts/rules"),
  ]);
  return (
    <>
      <AlertTable p={p} caption={l.t("alerts.open")} alerts={open.alerts} ack />
      <AlertTable p={p} caption={l.t("alerts.resolved")} alerts={resolved.alerts} ack={false} />
      <Table
        l={l}
        caption={l.t("alerts.rules")}
        rows={rules.rules}
        columns={[
          { label: l.t("col.id"), cell: (r) => r.id },
          { label: l.t("col.kind"), cell: (r) => r.kind },
          { label: l.t("col.severity"), cell: (r) => r.severity },
          { label: l.t("col.params"), cell: (r) => Object.entries(r.params).map(([k, v]) => `${k}=${l.number(v)}`).join(", ") || "–" },
        ]}
      />
    </>
  );
}
