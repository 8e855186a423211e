// Catalog: upstreams (and their definition pins), the definition changes awaiting approval, tools
// (local and peers', pinned or pinned to a version), other items, and what this node shares.
import { Action, Id, Table } from "./layout.tsx";
import type { PageContext } from "./page-context.ts";

interface Upstream {
  name: string;
  kind: string;
  status: string;
  lastError: string | null;
  refreshedAt: string | null;
  tools: number;
}
/** A tool of this node (origin null) or a peer's, as GET /admin/catalog lists it. */
interface Tool {
  name: string;
  id: string;
  origin: { id: string; alias: string | null } | null;
  upstream: string | null;
  hidden: boolean;
  pinned: boolean;
  /** This node's tools: whether it is shared now. */
  shared?: boolean;
  pricing?: { model: string; amount?: number; unit?: string; per?: string } | null;
  /** Peers' tools: the version listed and every live one. */
  version?: string;
  versions?: string[];
  versionPinned?: boolean;
}
interface Item {
  kind: string;
  name: string;
  origin: { id: string; alias: string } | null;
  hidden: boolean;
}
/** A tool whose definition changed (or that is new to a strict upstream), held back until approved. */
interface DefinitionChange {
  id: number;
  upstream: string;
  tool: string;
  oldFingerprint: string | null;
  newFingerprint: string;
  detectedAt: string;
}
/** A peer's tool held at one version. */
interface VersionPin {
  origin: string;
  tool: string;
  version: string;
}
interface Share {
  key: string;
  kind: string;
  visibility: string;
  version?: string;
}
interface Listing {
  upstreams: Upstream[];
  changes: { changes: DefinitionChange[]; total: number };
  pins: VersionPin[];
  tools: { tools: Tool[]; next: string | null; total: { local: number; peers: number } };
  items: { items: Item[]; total: number };
  shares: { shares: Share[]; total: number };
}

/** Rows per list: each tool row carries four forms, and the page's CPU follows its rows. */
const PAGE = 25;

export async function catalogPage(p: PageContext) {
  const { l, csrf, back } = p;
  // One read: a page of tools after the cursor, the first page of items and shares, and the counts.
  const cursor = p.query.get("cursor");
  const { upstreams, changes: pending, pins, tools: page, items, shares } = await p.get<Listing>(`/catalog?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
  const changes = pending.changes;
  const origin = (o: Item["origin"]) => (o ? o.alias || <Id value={o.id} /> : l.t("col.local"));
  const toolOrigin = (t: Tool) => (t.origin ? t.origin.alias ?? <Id value={t.origin.id} /> : l.t("col.local"));
  /** The registry key of a tool: its id without the origin. */
  const keyOf = (t: Tool) => t.id.split("/").slice(1).join("/");
  const price = ({ pricing: q }: Tool) => (q && typeof q.amount === "number" ? `${l.number(q.amount)} ${q.unit ?? ""}${q.per ? ` / ${q.per}` : ""} (${q.model})` : "–");
  const shown = (n: number, total: number) => l.t("list.shown", { shown: l.number(n), total: l.number(total) });
  return (
    <>
      <Table
        l={l}
        caption={l.t("catalog.upstreams")}
        rows={upstreams}
        columns={[
          { label: l.t("col.name"), cell: (u) => u.name },
          { label: l.t("col.kind"), cell: (u) => u.kind },
          { label: l.t("col.state"), cell: (u) => <span class={u.status === "ok" ? "ok" : "bad"}>{u.status}</span> },
          { label: l.t("col.refreshed"), cell: (u) => l.date(u.refreshedAt) },
          { label: l.t("col.error"), cell: (u) => u.lastError ?? "" },
          { label: l.t("col.tools"), cell: (u) => l.number(u.tools), num: true },
          {
            label: l.t("actions"),
            cell: (u) => (
              <>
                <Action csrf={csrf} back={back} action="upstream-refresh" fields={{ name: u.name }} label={l.t("action.refresh")} />
                <Action csrf={csrf} back={back} action="upstream-pins" fields={{ name: u.name }} label={l.t("action.setPins")} input={{ name: "mode", label: l.t("action.pinMode", { name: u.name }), options: ["first-use", "strict"] }} />
              </>
            ),
          },
        ]}
      />
      <Table
        l={l}
        caption={l.t("catalog.changes")}
        rows={changes}
        columns={[
          { label: l.t("col.upstream"), cell: (d) => d.upstream },
          { label: l.t("col.tool"), cell: (d) => <code>{d.tool}</code> },
          { label: l.t("col.oldFingerprint"), cell: (d) => (d.oldFingerprint ? <Id value={d.oldFingerprint} /> : l.t("catalog.newTool")) },
          { label: l.t("col.newFingerprint"), cell: (d) => <Id value={d.newFingerprint} /> },
          { label: l.t("col.detected"), cell: (d) => l.date(d.detectedAt) },
          {
            label: l.t("actions"),
            cell: (d) => (
              <>
                <Action csrf={csrf} back={back} action="change-approve" fields={{ id: String(d.id) }} label={l.t("action.approve")} />
                <Action csrf={csrf} back={back} action="change-reject" fields={{ id: String(d.id) }} label={l.t("action.reject")} />
              </>
            ),
          },
        ]}
      />
      {pending.total > changes.length ? <p>{shown(changes.length, pending.total)}</p> : null}
      <Table
        l={l}
        caption={l.t("catalog.tools")}
        rows={page.tools}
        columns={[
          { label: l.t("col.name"), cell: (t) => <code>{t.name}</code> },
          { label: l.t("col.origin"), cell: toolOrigin },
          { label: l.t("col.upstream"), cell: (t) => t.upstream ?? "" },
          { label: l.t("col.price"), cell: price },
          { label: l.t("col.version"), cell: (t) => t.version ?? "" },
          { label: l.t("col.pinned"), cell: (t) => (t.pinned || t.versionPinned ? l.t("yes") : l.t("no")) },
          { label: l.t("col.hidden"), cell: (t) => (t.hidden ? l.t("yes") : l.t("no")) },
          {
            label: l.t("actions"),
            cell: (t) => (
              <>
                <Action csrf={csrf} back={back} action={t.hidden ? "tool-show" : "tool-hide"} fields={{ name: t.name }} label={l.t(t.hidden ? "action.show" : "action.hide")} />
                <Action csrf={csrf} back={back} action="tool-rename" fields={{ name: t.name }} label={l.t("action.rename")} input={{ name: "to", label: l.t("action.newName", { name: t.name }) }} />
                {t.origin === null ? (
                  <Action csrf={csrf} back={back} action={t.pinned ? "tool-unpin" : "tool-pin"} fields={{ name: t.name }} label={l.t(t.pinned ? "action.unpin" : "action.pin")} />
                ) : (
                  <Action csrf={csrf} back={back} action="version-pin" fields={{ origin: t.origin.id, key: keyOf(t) }} label={l.t("action.pinVersion")} input={{ name: "version", label: l.t("action.version", { name: t.name }), ...(t.versions ? { options: t.versions } : {}) }} />
                )}
                {t.origin === null && t.upstream && !t.shared ? (
                  <Action csrf={csrf} back={back} action="share" fields={{ tool: t.name }} label={l.t("action.share")} input={{ name: "visibility", label: l.t("action.visibility", { name: t.name }), options: ["peers", "public", "private"] }} />
                ) : null}
              </>
            ),
          },
        ]}
      />
      <p class="pager">
        {l.t("catalog.toolCount", { local: l.number(page.total.local), peers: l.number(page.total.peers) })}
        {page.next ? (
          <>
            {" "}
            <a href={`/console/catalog?cursor=${encodeURIComponent(page.next)}`}>{l.t("next")}</a>
          </>
        ) : null}
      </p>
      <Table
        l={l}
        caption={l.t("catalog.versionPins")}
        rows={pins}
        columns={[
          { label: l.t("col.origin"), cell: (v) => <Id value={v.origin} /> },
          { label: l.t("col.tool"), cell: (v) => <code>{v.tool}</code> },
          { label: l.t("col.version"), cell: (v) => v.version },
          { label: l.t("actions"), cell: (v) => <Action csrf={csrf} back={back} action="version-unpin" fields={{ origin: v.origin, key: v.tool }} label={l.t("action.unpin")} /> },
        ]}
      />
      <Table
        l={l}
        caption={l.t("catalog.shares")}
        rows={shares.shares}
        columns={[
          { label: l.t("col.key"), cell: (s) => <code>{s.key}</code> },
          { label: l.t("col.kind"), cell: (s) => s.kind },
          { label: l.t("col.visibility"), cell: (s) => s.visibility },
          { label: l.t("col.version"), cell: (s) => s.version ?? "" },
          { label: l.t("actions"), cell: (s) => <Action csrf={csrf} back={back} action="unshare" fields={{ key: s.key, kind: s.kind }} label={l.t("action.unshare")} /> },
        ]}
      />
      {shares.total > shares.shares.length ? <p>{shown(shares.shares.length, shares.total)}</p> : null}
      <Table
        l={l}
        caption={l.t("catalog.items")}
        rows={items.items}
        columns={[
          { label: l.t("col.kind"), cell: (i) => i.kind },
          { label: l.t("col.name"), cell: (i) => <code>{i.name}</code> },
          { label: l.t("col.origin"), cell: (i) => origin(i.origin) },
          { label: l.t("col.hidden"), cell: (i) => (i.hidden ? l.t("yes") : l.t("no")) },
        ]}
      />
      {items.total > items.items.length ? <p>{shown(items.items.length, items.total)}</p> : null}
    </>
  );
}
