// The structured index as one node runs it (docs/discovery.md): the directory, the responsible
// node's side, this node's records on the tick, and lookups over the federation client.
import type { z } from "zod";
import type { Card } from "../../protocol/card/schema.ts";
import { CHANNEL_FEATURE } from "../../protocol/channel/handshake.ts";
import { checkIndexRecord, INDEX_AGENTS_FEATURE, indexRecord, type IndexRecord } from "../../protocol/discovery/record.ts";
import { indexEntriesResult, indexLookupResult, indexPublishResult, MAX_LOOKUP_KEYS, type IndexRequest } from "../../protocol/discovery/messages.ts";
import type { EntrySigner, OriginKey } from "../../protocol/identity/signer.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import { federationPath } from "../../protocol/messages/federation.ts";
import { PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import type { Database } from "../../store/database.ts";
import { pruneIndexRecords } from "../../store/discovery-index.ts";
import { getPeer } from "../../store/peers.ts";
import type { FederationClient } from "../federation-client/client.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { KnownCards } from "../routes/onion/known-cards.ts";
import type { Config } from "../settings/config.ts";
import type { OwnCard } from "../card/own.ts";
import type { FeatureActivation } from "../peers/feature-activation.ts";
import { withDeadline } from "./deadline.ts";
import { Directory } from "./directory.ts";
import { answerEntries, answerLookup, receivePublish, understands, type HolderPort } from "./holder.ts";
import { dropFarNodeEntries } from "./kept-entries.ts";
import { DEFAULT_LOOKUP, lookupIndex, type IndexNode, type IndexTransport, type KnownNodes, type LookupReport, type Structure } from "./lookup.ts";
import { INDEX_XOR_FEATURE, NodePositions } from "../../protocol/discovery/placement.ts";
import { structureFor } from "./placement.ts";
import { routingTable, TABLE_PERIOD_MS } from "./routing-table.ts";
import { republish, type PublishReport } from "./publisher.ts";

/** Each node asked in a lookup answers within this, or counts as failed: the others still answer. */
const LOOKUP_DEADLINE_MS = 3000;

export interface DiscoveryPort {
  db: Database;
  nodeId: string;
  now: () => number;
  config: Pick<Config, "index" | "publicNode" | "publicUrl" | "clockSkewSeconds" | "featuresOff">;
  card: () => Promise<OwnCard>;
  identity: () => Promise<LocalIdentity>;
  signer: EntrySigner;
  federation: FederationClient;
  /** Cards fetched from a node's own URL and verified, for origins this node holds no card of. */
  fetchedCards: Pick<KnownCards, "card">;
  /** Pending features (§20.5): agents go into the index only once `index-agents` is on. */
  features: Pick<FeatureActivation, "on" | "usableWith">;
}

/** `dropped`: node entries of origins beyond the neighbourhood, once the index is on (kept-entries.ts). */
export type IndexTickReport = PublishReport & { pruned: number; dropped: number };

/** Origins found through lookups that a partial replica keeps entries of, and for how long. */
const FOUND_KEPT = 1024;
const FOUND_MS = 3600_000;

export class Discovery {
  readonly directory: Directory;
  /** Origin → until when (ms): per process, as lookups are. */
  readonly #found = new Map<string, number>();
  #table: { nodes: NodePositions<IndexNode>; period: number; table: NodePositions<IndexNode> } | undefined;

  constructor(private readonly s: DiscoveryPort) {
    this.directory = new Directory(s);
  }

  get #holder(): HolderPort {
    return { db: this.s.db, nodeId: this.s.nodeId, now: this.s.now, directory: this.directory, config: this.s.config, takesAgents: !this.s.config.featuresOff.includes(INDEX_AGENTS_FEATURE), keyOf: (o) => this.#keyOf(o), rendezvousFrom: async (from) => !(await this.s.features.usableWith(INDEX_XOR_FEATURE, (await this.directory.card(from))?.features ?? [])) };
  }

  async #keyOf(origin: string, url?: string): Promise<OriginKey | undefined> {
    const identity = await this.s.identity();
    const card = (await this.directory.card(origin)) ?? (url ? await this.s.fetchedCards.card(origin, url) : undefined);
    if (!card) return undefined;
    const key = await signingKey(identity.primitives, card.keys.sig.pub);
    return { verify: (message, signature, context) => key.verify(signature, message, context) };
  }

  /** Whether this node reads the request: not a lookup of agents' keys when it lacks index-agents. */
  understands(request: IndexRequest): boolean {
    return request.type !== "index-lookup" || understands(this.#holder, request);
  }

  /** The receiving side of POST /federation/v1/index. */
  receive(from: string, request: IndexRequest) {
    if (request.type === "index-entries") return answerEntries(this.#holder, request);
    return request.type === "index-publish" ? receivePublish(this.#holder, from, request) : answerLookup(this.#holder, request);
  }

  /**
   * The signed entries of `origin`'s public tools under `keys`, asked of the origin itself (§20.3),
   * with its card: unverified, for the registry to take as it takes gossip. Undefined when this
   * node holds no card of it that its directory entry stands for.
   */
  async entriesOf(origin: string, keys: string[]): Promise<{ card: Card; entries: unknown[] } | undefined> {
    const card = await this.directory.card(origin);
    if (!card) return undefined;
    const { entries } = await withDeadline(this.#send({ id: origin, url: card.url }, { type: "index-entries", keys }, indexEntriesResult), LOOKUP_DEADLINE_MS);
    return { card, entries };
  }

  /** Sends one index message to a node: as to a peer when it is an active one, else sealed to its directory card. */
  async #send<T extends z.ZodType>(node: IndexNode, payload: IndexRequest, result: T): Promise<z.infer<T>> {
    const peer = await getPeer(this.s.db, node.id);
    if (peer?.state === "active") return this.s.federation.call(peer, "index", payload, result);
    const card = await this.directory.card(node.id);
    if (!card) throw new PeerRequestError("not_allowed", `this node holds no card of ${node.id}`);
    const version = PROTOCOL_VERSIONS[PROTOCOL_VERSIONS.length - 1]!;
    // Channels are between peers: a stranger would refuse the handshake.
    const direct: Card = { ...card, features: card.features.filter((f) => f !== CHANNEL_FEATURE) };
    return this.s.federation.send({ card: direct, version, path: federationPath(version, "index"), payload, result });
  }

  #transport(): IndexTransport {
    return {
      lookup: (node, request, deadlineMs) =>
        node.id === this.s.nodeId ? answerLookup(this.#holder, request) : withDeadline(this.#send(node, request, indexLookupResult), deadlineMs),
    };
  }

  /** Whether the federation is large enough for the index: below, gossip alone serves. */
  async active(): Promise<boolean> {
    return (await this.directory.view()).nodes.size >= this.s.config.index.minNodes;
  }

  /** Whether agents are looked up in the index: it is large enough, and `index-agents` is on (§20.5). */
  async agentsActive(): Promise<boolean> {
    return (await this.active()) && (await this.s.features.on(INDEX_AGENTS_FEATURE));
  }

  /** Rendezvous and XOR: the whole directory. Iterative: this node's table sampled from it, kept per directory read and period. */
  #known(nodes: NodePositions<IndexNode>, structure: Structure): KnownNodes {
    if (structure !== "kademlia") return nodes;
    const period = Math.floor(Date.now() / TABLE_PERIOD_MS);
    if (this.#table?.nodes !== nodes || this.#table.period !== period) this.#table = { nodes, period, table: new NodePositions(routingTable(this.s.nodeId, nodes.all(), Date.now())) };
    return this.#table.table;
  }

  /** The direct structure's placement (§20.3): XOR once `index-xor` is on here, rendezvous before. */
  #structure(size: number): Promise<Structure> {
    return this.s.features.on(INDEX_XOR_FEATURE).then((xor) => structureFor(size, this.s.config.index.rendezvousMax, xor));
  }

  /** Looks keys up at their responsible nodes; every record returned verified against its origin's key. */
  async lookup(keys: string[]): Promise<LookupReport> {
    const { nodes } = await this.directory.view();
    const structure = await this.#structure(nodes.size);
    const known = this.#known(nodes, structure);
    const verify = async (raw: unknown, key: string): Promise<IndexRecord | undefined> => {
      const parsed = indexRecord.safeParse(raw);
      if (!parsed.success || parsed.data.key !== key) return undefined;
      const checked = await checkIndexRecord(raw, await this.#keyOf(parsed.data.origin, parsed.data.url), this.s.now(), this.s.config.clockSkewSeconds);
      return "record" in checked ? checked.record : undefined;
    };
    const report = await lookupIndex({ self: this.s.nodeId, known: async () => known, transport: this.#transport(), verify }, keys, {
      ...DEFAULT_LOOKUP,
      structure,
      replicas: this.s.config.index.replicas,
      deadlineMs: LOOKUP_DEADLINE_MS,
    });
    for (const list of report.records.values()) for (const r of list) this.#remember(r.origin);
    return report;
  }

  #remember(origin: string): void {
    this.#found.delete(origin);
    if (this.#found.size >= FOUND_KEPT) this.#found.delete(this.#found.keys().next().value!);
    this.#found.set(origin, Date.now() + FOUND_MS);
  }

  /** Origins a lookup found within the last hour: under REGISTRY_SYNC=partial their entries are kept. */
  foundOrigins(): Set<string> {
    const now = Date.now();
    return new Set([...this.#found].filter(([, until]) => until > now).map(([origin]) => origin));
  }

  /** On the tick: this node's records republished where due, others' expired ones pruned. */
  async tick(): Promise<IndexTickReport> {
    this.directory.invalidate();
    const { nodes } = await this.directory.view();
    const published = await republish(
      {
        ...this.s,
        structure: await this.#structure(nodes.size),
        agents: await this.s.features.on(INDEX_AGENTS_FEATURE),
        // A holder known by its compact entry alone has its card fetched: the entry carries no features.
        takesAgents: async (node) => this.s.features.usableWith(INDEX_AGENTS_FEATURE, (await this.directory.card(node.id))?.features ?? []),
        publish: async (node, records) => (await this.#send(node, { type: "index-publish", records }, indexPublishResult)).stored,
        locate: async (keys) => {
          const closest = new Map<string, IndexNode[]>();
          // MAX_LOOKUP_KEYS at a time: each key is its own iterative lookup, run side by side.
          for (let i = 0; i < keys.length; i += MAX_LOOKUP_KEYS) for (const [key, list] of (await this.lookup(keys.slice(i, i + MAX_LOOKUP_KEYS))).closest) closest.set(key, list);
          return closest;
        },
      },
      nodes,
    );
    const dropped = (await this.active()) ? await dropFarNodeEntries({ self: this.s.nodeId, db: this.s.db, found: () => this.foundOrigins() }) : 0;
    if (dropped > 0) this.directory.invalidate();
    return { ...published, pruned: await pruneIndexRecords(this.s.db, this.s.nodeId, this.s.now()), dropped };
  }
}
