// Agents and budgets: the agents and intents held in the registry, the intents declared through
// this node, the blackboard namespaces and the budgets with their burn-down per member.
import { Id, Table } from "./layout.tsx";
import type { PageContext } from "./page-context.ts";
import type { DeclaredIntentView } from "../../node/agents/intents.ts";

interface Entry {
  origin: string;
  kind: string;
  key: string;
  visibility: string;
  tombstone: boolean;
  name?: string;
}
interface Namespace {
  namespace: string;
  replicas: string[] | "public";
  consistency: string;
}
interface Budget {
  budget: { owner: string; task: string; unit: string };
  allocated: number;
  spent: number;
  remaining: number;
  members: { node: string }[];
}

const PAGE = 100;

export async function agentsPage(p: PageContext) {
  const { l } = p;
  const [{ entries }, { intents }, { namespaces }, { budgets }] = await Promise.all([
    p.get<{ entries: Entry[] }>("/registry"),
    p.get<{ intents: (Omit<DeclaredIntentView, "expires"> & { expires: string })[] }>(`/agents/intents?limit=${PAGE}`),
    p.get<{ namespaces: Namespace[] }>("/blackboard/namespaces"),
    p.get<{ budgets: Budget[] }>("/budgets"),
  ]);
  const agents = entries.filter((e) => !e.tombstone && (e.kind === "agent" || e.kind === "intent")).slice(0, PAGE);
  return (
    <>
      <Table
        l={l}
        caption={l.t("agents.registry")}
        rows={agents}
        columns={[
          { label: l.t("col.kind"), cell: (e) => e.kind },
          { label: l.t("col.name"), cell: (e) => e.name ?? "" },
          { label: l.t("col.key"), cell: (e) => <code>{e.key}</code> },
          { label: l.t("col.origin"), cell: (e) => <Id value={e.origin} /> },
          { label: l.t("col.visibility"), cell: (e) => e.visibility },
        ]}
      />
      <Table
        l={l}
        caption={l.t("agents.intents")}
        rows={intents}
        columns={[
          { label: l.t("col.need"), cell: (i) => i.need ?? "" },
          { label: l.t("col.capabilities"), cell: (i) => i.capabilities.join(", ") },
          { label: l.t("col.budget"), cell: (i) => (i.budget ? `${l.number(i.budget.amount)} ${i.budget.unit}` : "–") },
          { label: l.t("col.caller"), cell: (i) => <Id value={i.principal} /> },
          { label: l.t("col.expires"), cell: (i) => l.date(i.expires) },
          { label: l.t("col.state"), cell: (i) => <span class={i.state === "open" ? "ok" : undefined}>{l.t(`intent.${i.state}`)}</span> },
          { label: l.t("col.key"), cell: (i) => <code>{i.key}</code> },
        ]}
      />
      <Table
        l={l}
        caption={l.t("agents.namespaces")}
        rows={namespaces}
        columns={[
          { label: l.t("col.name"), cell: (n) => <code>{n.namespace}</code> },
          { label: l.t("col.members"), cell: (n) => (n.replicas === "public" ? "public" : l.number(n.replicas.length)), num: true },
          { label: l.t("col.kind"), cell: (n) => n.consistency },
        ]}
      />
      <Table
        l={l}
        caption={l.t("agents.budgets")}
        rows={budgets}
        columns={[
          { label: l.t("col.owner"), cell: (b) => <Id value={b.budget.owner} /> },
          { label: l.t("col.task"), cell: (b) => b.budget.task },
          { label: l.t("col.unit"), cell: (b) => b.budget.unit },
          { label: l.t("col.limit"), cell: (b) => l.number(b.allocated), num: true },
          { label: l.t("col.spent"), cell: (b) => l.number(b.spent), num: true },
          { label: l.t("col.members"), cell: (b) => l.number(b.members.length), num: true },
        ]}
      />
    </>
  );
}
