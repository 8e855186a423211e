// The directory the index is placed over (docs/discovery.md): the public nodes this node knows
// through gossip of node entries (src/node/peers/nodes.ts), itself included when it is public.
// Every node that holds the same directory names the same responsible nodes for a key.
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

/** How long one process reuses the directory it read: node entries change on the tick, not per request. */
const DIRECTORY_MS = 5000;

export interface DirectoryPort {
  db: Database;
  nodeId: string;
  now: () => number;
  config: Pick<Config, "clockSkewSeconds" | "publicNode" | "publicUrl">;
  card: () => Promise<OwnCard>;
}

export interface DirectoryView {
  nodes: IndexNode[];
  cards: Map<string, Card>;
}

export class Directory {
  readonly #read: CachedRead<DirectoryView>;

  constructor(private readonly s: DirectoryPort) {
    this.#read = new CachedRead(() => this.#load(), DIRECTORY_MS);
  }

  async #load(): Promise<DirectoryView> {
    const cards = new Map((await knownNodes(this.s)).map((n) => [n.card.id, n.card]));
    if (this.s.config.publicNode && this.s.config.publicUrl) cards.set(this.s.nodeId, await (await this.s.card()).get(this.s.config.publicUrl.origin, this.s.now()));
    const nodes = [...cards.values()].map((c) => ({ id: c.id, url: c.url })).sort((a, b) => (a.id < b.id ? -1 : 1));
    return { nodes, cards };
  }

  view(): Promise<DirectoryView> {
    return this.#read.get();
  }

  invalidate(): void {
    this.#read.invalidate();
  }

  /** The card this node holds for `id`: a peer's, else its node entry's. */
  async card(id: string): Promise<Card | undefined> {
    const peer = await getPeer(this.s.db, id);
    if (peer) return peer.card;
    return (await this.view()).cards.get(id);
  }
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
    const card = (await s.directory.view()).cards.get(header.from);
    if (!card) throw new EnvelopeError("unknown_sender", `${header.from} is neither a peer of this node nor a public node it knows`);
    if (!(PROTOCOL_VERSIONS as readonly string[]).includes(header.v)) throw new EnvelopeError("unsupported_version", `this node does not speak ${header.v}`);
    const identity = await s.identity();
    return { verifier: await signingKey(identity.primitives, card.keys.sig.pub), version: header.v };
  };
}
