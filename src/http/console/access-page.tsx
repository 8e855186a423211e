// Access: OAuth clients, API tokens, policy rules, rate limits, grants (approve, deny, revoke)
// and the audit trail with its verification.
import type { LimitRow as Limit } from "../../node/access/limits/limiter.ts";
import { Action, Id, Table } from "./layout.tsx";
import type { PageContext } from "./page-context.ts";

interface Client {
  clientId: string;
  kind: string;
  name: string;
  roles: string[];
  preApproved: boolean;
  createdAt: string;
}
interface Token {
  id: string;
  name: string;
  roles: string[];
  status: string;
  createdAt: string;
  expiresAt: string | null;
}
interface Rule {
  id: string;
  priority: number;
  action: string;
  effect: string;
  subjectKind: string | null;
  subjectId: string | null;
  role: string | null;
  tool: string | null;
  upstream: string | null;
  note: string | null;
}
interface Grant {
  id: string;
  status: string;
  holder: string;
  resource: string;
  justification: string;
  createdAt: string | null;
  expiresAt: string | null;
}
interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  decision: string;
}

type List = "grants" | "clients" | "tokens" | "rules" | "limits" | "audit";
const LISTS: readonly List[] = ["grants", "clients", "tokens", "rules", "limits", "audit"];

interface Access {
  list: List;
  rows: unknown[];
  next: string | null;
  total: Record<List, number>;
  check: { ok: boolean; entries: number; whole: boolean };
}

const PAGE = 25;

export async function accessPage(p: PageContext) {
  const { l, csrf, back } = p;
  // One read: a page of one list after the cursor, every list's count, and the audit chain checked
  // since this process last verified it, or whole on request.
  const asked = p.query.get("list");
  const list = LISTS.find((x) => x === asked) ?? "grants";
  const cursor = p.query.get("cursor");
  const whole = p.query.get("verify") === "all";
  const q = new URLSearchParams({ list, limit: String(PAGE) });
  if (cursor) q.set("cursor", cursor);
  if (whole) q.set("verify", "all");
  const { rows, next, total, check: verified } = await p.get<Access>(`/access?${q}`);
  const subject = (kind: string | null, id: string | null) => (kind ? `${kind}${id ? `:${id}` : ""}` : "*");
  const table = () => {
    switch (list) {
      case "grants":
        return (
          <Table
            l={l}
            caption={l.t("access.grants")}
            rows={rows as Grant[]}
            columns={[
              { label: l.t("col.id"), cell: (g) => <Id value={g.id} /> },
              { label: l.t("col.holder"), cell: (g) => <Id value={g.holder} /> },
              { label: l.t("col.resource"), cell: (g) => <code>{g.resource}</code> },
              { label: l.t("col.reason"), cell: (g) => g.justification },
              { label: l.t("col.status"), cell: (g) => g.status },
              { label: l.t("col.expires"), cell: (g) => l.date(g.expiresAt) },
              {
                label: l.t("actions"),
                cell: (g) =>
                  g.status === "pending" ? (
                    <>
                      <Action csrf={csrf} back={back} action="grant-approve" fields={{ id: g.id }} label={l.t("action.approve")} />
                      <Action csrf={csrf} back={back} action="grant-deny" fields={{ id: g.id }} label={l.t("action.deny")} />
                    </>
                  ) : g.status === "active" ? (
                    <Action csrf={csrf} back={back} action="grant-revoke" fields={{ id: g.id }} label={l.t("action.revoke")} />
                  ) : null,
              },
            ]}
          />
        );
      case "clients":
        return (
          <Table
            l={l}
            caption={l.t("access.clients")}
            rows={rows as Client[]}
            columns={[
              { label: l.t("col.name"), cell: (x) => x.name },
              { label: l.t("col.id"), cell: (x) => <Id value={x.clientId} /> },
              { label: l.t("col.kind"), cell: (x) => x.kind },
              { label: l.t("col.roles"), cell: (x) => x.roles.join(", ") },
              { label: l.t("col.created"), cell: (x) => l.date(x.createdAt) },
            ]}
          />
        );
      case "tokens":
        return (
          <Table
            l={l}
            caption={l.t("access.tokens")}
            rows={rows as Token[]}
            columns={[
              { label: l.t("col.name"), cell: (x) => x.name },
              { label: l.t("col.id"), cell: (x) => <Id value={x.id} /> },
              { label: l.t("col.roles"), cell: (x) => x.roles.join(", ") },
              { label: l.t("col.status"), cell: (x) => x.status },
              { label: l.t("col.expires"), cell: (x) => l.date(x.expiresAt) },
            ]}
          />
        );
      case "rules":
        return (
          <Table
            l={l}
            caption={l.t("access.rules")}
            rows={rows as Rule[]}
            columns={[
              { label: l.t("col.priority"), cell: (r) => l.number(r.priority), num: true },
              { label: l.t("col.action"), cell: (r) => r.action },
              { label: l.t("col.effect"), cell: (r) => r.effect },
              { label: l.t("col.holder"), cell: (r) => (r.role ? `role:${r.role}` : subject(r.subjectKind, r.subjectId)) },
              { label: l.t("col.tool"), cell: (r) => <code>{r.tool ?? r.upstream ?? "*"}</code> },
              { label: l.t("col.reason"), cell: (r) => r.note ?? "" },
            ]}
          />
        );
      case "limits":
        return (
          <Table
            l={l}
            caption={l.t("access.limits")}
            rows={rows as Limit[]}
            columns={[
              { label: l.t("col.holder"), cell: (x) => subject(x.subjectKind, x.subjectId) },
              { label: l.t("col.tool"), cell: (x) => <code>{x.tool ?? "*"}</code> },
              { label: l.t("col.window"), cell: (x) => `${l.number(x.windowSeconds)} s`, num: true },
              { label: l.t("col.limit"), cell: (x) => [x.maxRequests, x.maxConcurrent].map((v) => (v === null ? "–" : l.number(v))).join(" / "), num: true },
            ]}
          />
        );
      case "audit":
        return (
          <Table
            l={l}
            caption={l.t("access.audit")}
            rows={rows as AuditEntry[]}
            columns={[
              { label: l.t("col.at"), cell: (e) => l.date(e.at) },
              { label: l.t("col.actor"), cell: (e) => <Id value={e.actor} /> },
              { label: l.t("col.action"), cell: (e) => <code>{e.action}</code> },
              { label: l.t("col.target"), cell: (e) => <code>{e.target}</code> },
              { label: l.t("col.decision"), cell: (e) => e.decision },
            ]}
          />
        );
    }
  };
  return (
    <>
      <nav class="lists" aria-label={l.t("access.lists")}>
        <ul>
          {LISTS.map((x) => (
            <li>
              <a href={`/console/access?list=${x}`} aria-current={x === list ? "page" : undefined}>
                {l.t(`access.${x}`)} ({l.number(total[x])})
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section>
        <h2>{l.t("access.audit")}</h2>
        <p class={verified.ok ? "ok" : "bad"}>{verified.ok ? l.t("overview.auditOk", { count: verified.entries }) : l.t("overview.auditBroken")}</p>
        {verified.whole ? null : (
          <p>
            <a href={`/console/access?list=${list}&verify=all`}>{l.t("access.verifyAll")}</a>
          </p>
        )}
      </section>
      {table()}
      {next ? (
        <p class="pager">
          <a href={`/console/access?list=${list}&cursor=${encodeURIComponent(next)}`}>{l.t("next")}</a>
        </p>
      ) : null}
    </>
  );
}
