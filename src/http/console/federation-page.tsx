// Federation: the peers and the nodes known through them, as a graph and as tables, with the
// peer actions (approve, block, unblock, alias) and each peer's call latency over the last hour.
import { FederationGraph } from "./charts.tsx";
import { Action, Id, Table } from "./layout.tsx";
import type { PageContext } from "./page-context.ts";
import { KEPT_WINDOW_MINUTES, type PeerLatency } from "../../node/metrics/overview.ts";

interface Peer {
  id: string;
  name: string;
  alias: string | null;
  url: string;
  state: string;
  theirState?: string;
  lastSeenAt: string | null;
}
interface KnownNode {
  id: string;
  /** Null for a node known by its compact directory entry alone (no card kept). */
  name: string | null;
  url: string;
  peer: boolean;
  learnedFrom: string | null;
}

// The window the store keeps summed, so that a view reads one row per key.
const WINDOW_MINUTES = KEPT_WINDOW_MINUTES;

export async function federationPage(p: PageContext) {
  const { l, csrf, back } = p;
  // One read: the peers, the known nodes, the trust scores and each peer's latency.
  const { self, peers, nodes, scores: trusted, latency } = await p.get<{ self: string; peers: Peer[]; nodes: KnownNode[]; scores: { node: string; score: number; tier?: string }[]; latency: PeerLatency[] }>(
    `/federation?minutes=${WINDOW_MINUTES}`,
  );
  const latencies = new Map(latency.map((x) => [x.peer, x]));
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? "–" : l.number(v, 0));
  const peerIds = new Set(peers.map((x) => x.id));
  const far = nodes.filter((n) => !peerIds.has(n.id) && n.id !== self);
  const scores = new Map(trusted.map((s) => [s.node, s]));
  const trustOf = (id: string) => {
    const s = scores.get(id);
    return s ? `${l.number(s.score, 2)}${s.tier ? ` (${s.tier})` : ""}` : "–";
  };
  return (
    <>
      <FederationGraph
        title={l.t("federation.graph")}
        self={{ id: self, label: p.nodeName, kind: "self" }}
        nodes={[
          ...peers.map((x) => ({ id: x.id, label: x.alias ?? x.name, kind: x.state })),
          ...far.map((n) => ({ id: n.id, label: n.name ?? n.url, kind: "far", via: n.learnedFrom ?? undefined })),
        ]}
      />
      <Table
        l={l}
        caption={l.t("federation.peers")}
        rows={peers}
        columns={[
          { label: l.t("col.name"), cell: (x) => x.alias ?? x.name },
          { label: l.t("col.id"), cell: (x) => <Id value={x.id} /> },
          { label: l.t("col.state"), cell: (x) => <span class={x.state === "active" ? "ok" : x.state === "blocked" ? "bad" : undefined}>{x.state}</span> },
          { label: l.t("col.trust"), cell: (x) => trustOf(x.id) },
          { label: l.t("col.lastContact"), cell: (x) => l.date(x.lastSeenAt) },
          { label: l.t("col.callsIn", { minutes: WINDOW_MINUTES }), cell: (x) => l.number(latencies.get(x.id)?.calls ?? 0), num: true },
          { label: l.t("col.p50In", { minutes: WINDOW_MINUTES }), cell: (x) => ms(latencies.get(x.id)?.p50Ms), num: true },
          { label: l.t("col.p99In", { minutes: WINDOW_MINUTES }), cell: (x) => ms(latencies.get(x.id)?.p99Ms), num: true },
          {
            label: l.t("actions"),
            cell: (x) => (
              <>
                {x.state === "pending" ? <Action csrf={csrf} back={back} action="peer-approve" fields={{ id: x.id }} label={l.t("action.approve")} /> : null}
                {x.state === "blocked" ? (
                  <Action csrf={csrf} back={back} action="peer-unblock" fields={{ id: x.id }} label={l.t("action.unblock")} />
                ) : (
                  <Action csrf={csrf} back={back} action="peer-block" fields={{ id: x.id }} label={l.t("action.block")} />
                )}
                <Action csrf={csrf} back={back} action="peer-alias" fields={{ id: x.id }} label={l.t("action.alias")} input={{ name: "alias", label: l.t("action.newAlias", { name: x.alias ?? x.name }) }} />
              </>
            ),
          },
        ]}
      />
      <Table
        l={l}
        caption={l.t("federation.nodes")}
        rows={far}
        columns={[
          { label: l.t("col.name"), cell: (n) => n.name ?? "—" },
          { label: l.t("col.id"), cell: (n) => <Id value={n.id} /> },
          { label: l.t("col.url"), cell: (n) => <code>{n.url}</code> },
          { label: l.t("col.learnedFrom"), cell: (n) => <Id value={n.learnedFrom} /> },
          { label: l.t("col.trust"), cell: (n) => trustOf(n.id) },
        ]}
      />
    </>
  );
}
