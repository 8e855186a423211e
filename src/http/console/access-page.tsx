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

interface Access {
  clients: Client[];
  tokens: Token[];
  rules: Rule[];
  limits: Limit[];
  grants: Grant[];
  total: { clients: number; tokens: number; rules: number; limits: number; grants: number };
  audit: { entries: AuditEntry[]; check: { ok: boolean; entries: number; whole: boolean } };
}

const PAGE = 25;

export async function accessPage(p: PageContext) {
  const { l, csrf, back } = p;
  // One read: the first rows of each list and the counts; the audit chain checked since this
  // process last verified it, or whole on request.
  const whole = p.query.get("verify") === "all";
  const { clients, tokens, rules, limits, grants, total, audit } = await p.get<Access>(`/access?limit=${PAGE}${whole ? "&verify=all" : ""}`);
  const { entries, check: verified } = audit;
  const more = (shown: number, of: number) => (of > shown ? <p>{l.t("list.shown", { shown: l.number(shown), total: l.number(of) })}</p> : null);
  const subject = (kind: string | null, id: string | null) => (kind ? `${kind}${id ? `:${id}` : ""}` : "*");
  return (
    <>
      <Table
        l={l}
        caption={l.t("access.grants")}
        rows={grants}
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
      {more(grants.length, total.grants)}
      <Table
        l={l}
        caption={l.t("access.clients")}
        rows={clients}
        columns={[
          { label: l.t("col.name"), cell: (x) => x.name },
          { label: l.t("col.id"), cell: (x) => <Id value={x.clientId} /> },
          { label: l.t("col.kind"), cell: (x) => x.kind },
          { label: l.t("col.roles"), cell: (x) => x.roles.join(", ") },
          { label: l.t("col.created"), cell: (x) => l.date(x.createdAt) },
        ]}
      />
      {more(clients.length, total.clients)}
      <Table
        l={l}
        caption={l.t("access.tokens")}
        rows={tokens}
        columns={[
          { label: l.t("col.name"), cell: (x) => x.name },
          { label: l.t("col.id"), cell: (x) => <Id value={x.id} /> },
          { label: l.t("col.roles"), cell: (x) => x.roles.join(", ") },
          { label: l.t("col.status"), cell: (x) => x.status },
          { label: l.t("col.expires"), cell: (x) => l.date(x.expiresAt) },
        ]}
      />
      {more(tokens.length, total.tokens)}
      <Table
        l={l}
        caption={l.t("access.rules")}
        rows={rules}
        columns={[
          { label: l.t("col.priority"), cell: (r) => l.number(r.priority), num: true },
          { label: l.t("col.action"), cell: (r) => r.action },
          { label: l.t("col.effect"), cell: (r) => r.effect },
          { label: l.t("col.holder"), cell: (r) => (r.role ? `role:${r.role}` : subject(r.subjectKind, r.subjectId)) },
          { label: l.t("col.tool"), cell: (r) => <code>{r.tool ?? r.upstream ?? "*"}</code> },
          { label: l.t("col.reason"), cell: (r) => r.note ?? "" },
        ]}
      />
      {more(rules.length, total.rules)}
      <Table
        l={l}
        caption={l.t("access.limits")}
        rows={limits}
        columns={[
          { label: l.t("col.holder"), cell: (x) => subject(x.subjectKind, x.subjectId) },
          { label: l.t("col.tool"), cell: (x) => <code>{x.tool ?? "*"}</code> },
          { label: l.t("col.window"), cell: (x) => `${l.number(x.windowSeconds)} s`, num: true },
          { label: l.t("col.limit"), cell: (x) => [x.maxRequests, x.maxConcurrent].map((v) => (v === null ? "–" : l.number(v))).join(" / "), num: true },
        ]}
      />
      {more(limits.length, total.limits)}
      <section>
        <h2>{l.t("access.audit")}</h2>
        <p class={verified.ok ? "ok" : "bad"}>{verified.ok ? l.t("overview.auditOk", { count: verified.entries }) : l.t("overview.auditBroken")}</p>
        {verified.whole ? null : (
          <p>
            <a href="/console/access?verify=all">{l.t("access.verifyAll")}</a>
          </p>
        )}
      </section>
      <Table
        l={l}
        caption={l.t("access.audit")}
        rows={entries}
        columns={[
          { label: l.t("col.at"), cell: (e) => l.date(e.at) },
          { label: l.t("col.actor"), cell: (e) => <Id value={e.actor} /> },
          { label: l.t("col.action"), cell: (e) => <code>{e.action}</code> },
          { label: l.t("col.target"), cell: (e) => <code>{e.target}</code> },
          { label: l.t("col.decision"), cell: (e) => e.decision },
        ]}
      />
    </>
  );
}
