// Ledger: balances per peer and unit, the newest records, disputes and flags, clearing rounds,
// invoices, the export buttons and the Stripe adapter's settings (the admin API's exports, downloaded through the console).
import { Id, Table } from "./layout.tsx";
import type { PageContext } from "./page-context.ts";
import { StripeSettings, type SettlementMethod } from "./stripe-settings.tsx";

interface Balance {
  peer: string;
  unit: string;
  earned: number;
  spent: number;
  cleared: number;
  net: number;
  calls: number;
}
interface RecordRow {
  id: string;
  peer: string;
  role: string;
  status: string;
  stage: string;
  record: { intent?: { tool?: { id?: string }; requestedAt?: number }; receipt?: { amount?: number; unit?: string } };
}
interface Flag {
  seq: number;
  recordId: string | null;
  source: string | null;
  reason: string;
  at: number;
}
interface Round {
  id: string;
  unit: string;
  participants: string[];
  state: string | null;
  asOf: number;
}
interface Invoice {
  number: number;
  peer: string;
  periodFrom: string;
  periodTo: string;
  issuedAt: number;
}

const PAGE = 50;

export async function ledgerPage(p: PageContext) {
  const { l } = p;
  // One read: what /ledger/balances, /ledger/records, /ledger/flags, /clearing/rounds, /ledger/invoices and /ledger/settlement-methods list.
  const { balances, records, flags, rounds, invoices, methods } = await p.get<{ balances: Balance[]; records: RecordRow[]; flags: Flag[]; rounds: Round[]; invoices: Invoice[]; methods: SettlementMethod[] }>(
    `/ledger/summary?limit=${PAGE}`,
  );
  return (
    <>
      <section>
        <h2>{l.t("ledger.export")}</h2>
        <p>
          <a href="/console/ledger/export?format=csv" download="ledger-records.csv">
            {l.t("ledger.exportCsv")}
          </a>{" "}
          ·{" "}
          <a href="/console/ledger/export?format=json" download="ledger-records.json">
            {l.t("ledger.exportJson")}
          </a>
        </p>
      </section>
      <Table
        l={l}
        caption={l.t("ledger.balances")}
        rows={balances}
        columns={[
          { label: l.t("col.peer"), cell: (b) => <Id value={b.peer} /> },
          { label: l.t("col.unit"), cell: (b) => b.unit },
          { label: l.t("col.calls"), cell: (b) => l.number(b.calls), num: true },
          { label: l.t("col.balance"), cell: (b) => l.number(b.net), num: true },
        ]}
      />
      <Table
        l={l}
        caption={l.t("ledger.records")}
        rows={records}
        columns={[
          { label: l.t("col.at"), cell: (r) => l.date(r.record.intent?.requestedAt) },
          { label: l.t("col.peer"), cell: (r) => <Id value={r.peer} /> },
          { label: l.t("col.tool"), cell: (r) => <code>{r.record.intent?.tool?.id ?? ""}</code> },
          { label: l.t("col.amount"), cell: (r) => `${l.number(r.record.receipt?.amount ?? 0)} ${r.record.receipt?.unit ?? ""}`, num: true },
          { label: l.t("col.status"), cell: (r) => `${r.stage} (${r.role})` },
        ]}
      />
      <Table
        l={l}
        caption={l.t("ledger.flags")}
        rows={flags}
        columns={[
          { label: l.t("col.at"), cell: (f) => l.date(f.at) },
          { label: l.t("col.id"), cell: (f) => <Id value={f.recordId} /> },
          { label: l.t("col.peer"), cell: (f) => <Id value={f.source} /> },
          { label: l.t("col.reason"), cell: (f) => f.reason },
        ]}
      />
      <Table
        l={l}
        caption={l.t("ledger.clearing")}
        rows={rounds}
        columns={[
          { label: l.t("col.id"), cell: (r) => <Id value={r.id} /> },
          { label: l.t("col.unit"), cell: (r) => r.unit },
          { label: l.t("col.members"), cell: (r) => l.number(r.participants.length), num: true },
          { label: l.t("col.status"), cell: (r) => r.state ?? "" },
          { label: l.t("col.created"), cell: (r) => l.date(r.asOf) },
        ]}
      />
      <Table
        l={l}
        caption={l.t("ledger.invoices")}
        rows={invoices}
        columns={[
          { label: l.t("col.number"), cell: (i) => l.number(i.number), num: true },
          { label: l.t("col.peer"), cell: (i) => <Id value={i.peer} /> },
          { label: l.t("col.window"), cell: (i) => `${i.periodFrom} – ${i.periodTo}` },
          { label: l.t("col.created"), cell: (i) => l.date(i.issuedAt) },
        ]}
      />
      <StripeSettings l={l} csrf={p.csrf} back={p.back} methods={methods} />
    </>
  );
}
