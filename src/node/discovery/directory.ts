// The directory the index is placed over (docs/discovery.md): the public nodes this node knows
// through gossip of compact directory entries (§20.7) and of node entries (src/node/peers/nodes.ts),
// itself included when it is public. Every node that holds the same directory names the same
// responsible nodes for a key. A node known only by its compact entry has its card fetched on
// first contact, and the card must be the one the entry stands for.
import type { Card } from "../../protocol/card/schema.ts";
import { EnvelopeError } from "../../protocol/envelope/errors.ts";
import type { Sender } from "../../protocol/envelope/open.ts";
import type { Header } from "../../protocol/envelope/wire.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import { PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import { CachedRead } from "../../store/cached-read.ts";
import type { Database } from "../../store/database.ts";
import { getPeer } from "../../store/peers.ts";
import type { LocalIdentity } from "../identity/local.ts";
import { knownNodes } from "../peers/nodes.ts";
import { activeSender } from "../peers/senders.ts";
import type { Config } from "../settings/config.ts";
import type { OwnCard } from "../card/own.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import type { IndexNode } from "./lookup.ts";
import { NodePositions, positionOf } from "../../protocol/discovery/placement.ts";
import { cardMatches } from "../../protocol/registry/directory-entries.ts";
import { directoryBodyOf, textDirectoryPlacements } from "../../store/registry.ts";
import type { KnownCards } from "../routes/onion/known-cards.ts";
import { CompactPlacements } from "./compact-placements.ts";

/** How long one process reuses the directory it read before it asks the store what changed. */
const DIRECTORY_MS = 5000;

export interface DirectoryPort {
  db: Database;
  nodeId: string;
  now: () => number;
  config: Pick<Config, "clockSkewSeconds" | "publicNode" | "publicUrl">;
  card: () => Promise<OwnCard>;
  /** Cards fetched from a node's own URL and verified: first contact with a node known by its compact entry. */
  fetchedCards: Pick<KnownCards, "card">;
}

export interface DirectoryView {
  /** By position: a key's closest nodes are a binary search away, not a hash of every id (§20.3). */
  nodes: NodePositions<IndexNode>;
  /** Full cards held: node entries', and this node's own. */
  cards: Map<string, Card>;
}

export class Directory {
  readonly #read: CachedRead<DirectoryView>;
  readonly #compact = new CompactPlacements();
  /** The last view's nodes by position, and what they were made of, reused while neither changed. */
  #last: { compact: readonly IndexNode[]; others: string; nodes: NodePositions<IndexNode> } | undefined;
  /** Each node's position from the last view that placed anything: ids do not change, so only newcomers are hashed. */
  #positions = new Map<string, Uint8Array>();

  constructor(private readonly s: DirectoryPort) {
    this.#read = new CachedRead(() => this.#load(), DIRECTORY_MS);
  }

  async #load(): Promise<DirectoryView> {
    const cards = new Map((await knownNodes(this.s)).map((n) => [n.card.id, n.card]));
    if (this.s.config.publicNode && this.s.config.publicUrl) cards.set(this.s.nodeId, await (await this.s.card()).get(this.s.config.publicUrl.origin, this.s.now()));
    const now = this.s.now();
    // Id and URL only: at 10^5 public nodes, bodies held here would cost tens of MiB.
    const compact = await this.#compact.nodes(this.s.db, { self: this.s.nodeId, now, skewSeconds: this.s.config.clockSkewSeconds });
    // The few nodes known otherwise (a directory entry kept as text, a card) are read every time and laid over the compact ones.
    const others = new Map<string, string>();
    for (const r of await textDirectoryPlacements(this.s.db, this.s.nodeId)) if (this.#live(r.exp, now)) others.set(r.origin, r.url);
    for (const c of cards.values()) others.set(c.id, c.url);
    const listed = [...others].map(([id, url]) => ({ id, url })).sort((a, b) => (a.id < b.id ? -1 : 1));
    const key = JSON.stringify(listed);
    if (this.#last?.compact !== compact || this.#last.others !== key) {
      // The last view's positions if anything placed by it (they are hashed on first use); else the ones kept before.
      const placed = this.#last?.nodes.positions();
      if (placed && placed.size > 0) this.#positions = placed;
      const held = this.#positions;
      const nodes = new NodePositions(merged(compact, listed), (id) => held.get(id) ?? positionOf(id));
      this.#last = { compact, others: key, nodes };
    }
    return { nodes: this.#last.nodes, cards };
  }

  #live(exp: number, now: number): boolean {
    return exp + this.s.config.clockSkewSeconds >= now;
  }

  view(): Promise<DirectoryView> {
    return this.#read.get();
  }

  invalidate(): void {
    this.#read.invalidate();
  }

  /** The card of `id`: a peer's, else its node entry's, else fetched from its compact entry's URL and matched against the entry. */
  async card(id: string): Promise<Card | undefined> {
    const peer = await getPeer(this.s.db, id);
    if (peer) return peer.card;
    const view = await this.view();
    const held = view.cards.get(id);
    if (held) return held;
    const entry = await directoryBodyOf(this.s.db, id);
    if (!entry || !this.#live(entry.exp, this.s.now())) return undefined;
    // Whoever serves the URL could serve any valid card: only the one the signed entry names counts.
    const card = await this.s.fetchedCards.card(id, entry.url);
    return card && (await cardMatches(card, id, entry)) ? card : undefined;
  }
}

/** Two lists sorted by id as one; where both hold an id, `over`'s entry. */
function merged(under: readonly IndexNode[], over: readonly IndexNode[]): IndexNode[] {
  const out: IndexNode[] = [];
  let i = 0;
  for (const o of over) {
    while (i < under.length && under[i]!.id < o.id) out.push(under[i++]!);
    if (i < under.length && under[i]!.id === o.id) i++;
    out.push(o);
  }
  while (i < under.length) out.push(under[i++]!);
  return out;
}

/**
 * Who may send index messages: an active peer, or a public node of the directory (the index is
 * between nodes that never met). Blocked, pending and quarantined nodes are refused.
 */
export function indexSender(s: { db: Database; identity: () => Promise<LocalIdentity>; quarantine: Pick<Quarantine, "has">; directory: Directory }) {
  const peers = activeSender(s);
  return async (header: Header): Promise<Sender> => {
    if (await getPeer(s.db, header.from)) return peers(header);
    if (await s.quarantine.has(header.from)) throw new EnvelopeError("blocked_sender", `${header.from} is held in quarantine by this node`);
    const card = await s.directory.card(header.from);
    if (!card) throw new EnvelopeError("unknown_sender", `${header.from} is neither a peer of this node nor a public node it knows`);
    if (!(PROTOCOL_VERSIONS as readonly string[]).includes(header.v)) throw new EnvelopeError("unsupported_version", `this node does not speak ${header.v}`);
    const identity = await s.identity();
    return { verifier: await signingKey(identity.primitives, card.keys.sig.pub), version: header.v };
  };
}
