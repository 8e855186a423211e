// Gossiping nodes in one process for tests: real Ed25519 signatures, real libSQL stores (or the
// in-memory one), the in-memory network, and deferred work queued until the test settles it.
import { Gossip, type GossipOptions } from "../../src/node/gossip/gossip.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { MemoryEntryStore } from "../../src/store/memory-entries.ts";
import { Registry, type ShareInput } from "../../src/node/registry/registry.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import type { Entry } from "../../src/protocol/registry/entry.ts";
import type { EntryStore } from "../../src/store/entry-store.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "./ed25519.ts";
import { openTestDatabase, type TestDatabase } from "./libsql.ts";
import { InMemoryNetwork, Unreachable } from "./network.ts";

export interface TestNode {
  name: string;
  id: string;
  identity: TestIdentity;
  store: EntryStore;
  registry: Registry;
  gossip: Gossip;
  database?: TestDatabase;
}

export interface NodeSetup {
  store?: "libsql" | "memory";
  /** Reuse an identity: the same node with a fresh store (wiped, or restored from nothing). */
  identity?: TestIdentity;
  now?: () => number;
  options?: Partial<GossipOptions>;
  isBlocked?: (origin: string) => boolean;
  onChange?: (stored: Entry[]) => void;
  /** Origins whose entries this node keeps but does not pass on (GossipDeps.withheld). */
  withheld?: (origins: readonly string[]) => Promise<ReadonlySet<string>>;
}

export class TestFederation {
  readonly network: InMemoryNetwork;
  readonly keyring = new TestKeyring();
  readonly nodes = new Map<string, TestNode>();
  readonly #links = new Map<string, Set<string>>();
  #queue: (() => Promise<void>)[] = [];
  /** Push errors other than the network's own (a lost request, a node down, a cut link). */
  #failures: unknown[] = [];

  constructor(readonly random: () => number = Math.random) {
    this.network = new InMemoryNetwork(random);
  }

  node(name: string): TestNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async add(name: string, setup: NodeSetup = {}): Promise<TestNode> {
    const identity = setup.identity ?? (await ed25519TestSigner());
    this.keyring.add(identity);
    const database = setup.store === "memory" ? undefined : await openTestDatabase();
    const store = database ? new EntryRepository(database.db) : new MemoryEntryStore();
    const now = setup.now ?? Date.now;
    const registry = new Registry({
      signer: identity.signer,
      verifier: this.keyring,
      store,
      clock: new HybridClock(now),
      now,
      ...(setup.isBlocked ? { isBlocked: setup.isBlocked } : {}),
      ...(setup.onChange ? { onChange: setup.onChange } : {}),
    });
    const id = identity.signer.nodeId;
    const gossip = new Gossip({
      registry,
      transport: this.network.transport(id),
      peers: async () => [...(this.#links.get(id) ?? [])],
      later: (task) => void this.#queue.push(task),
      random: this.random,
      now,
      options: setup.options,
      ...(setup.withheld ? { withheld: setup.withheld } : {}),
      onFailure: (peer, error) => {
        if (!(error instanceof Unreachable)) this.#failures.push(new Error(`push from ${name} to ${peer} failed`, { cause: error }));
      },
    });
    this.network.join(id, gossip);
    const node: TestNode = { name, id, identity, store, registry, gossip, ...(database ? { database } : {}) };
    this.nodes.set(name, node);
    return node;
  }

  /** The same node with an empty store: its database lost, or restored to before it knew anything. */
  async wipe(name: string, setup: Omit<NodeSetup, "identity"> = {}): Promise<TestNode> {
    const old = this.node(name);
    old.database?.close();
    return this.add(name, { ...setup, identity: old.identity });
  }

  /** Makes two nodes direct peers. */
  link(a: string, b: string): void {
    const x = this.node(a).id;
    const y = this.node(b).id;
    for (const [p, q] of [[x, y], [y, x]] as const) {
      if (!this.#links.has(p)) this.#links.set(p, new Set());
      this.#links.get(p)!.add(q);
    }
  }

  /** Shares on a node and announces the change, as the admin route will. */
  async share(name: string, input: ShareInput) {
    const n = this.node(name);
    const stored = await n.registry.share(input);
    if (stored.length > 0) n.gossip.changed();
    return stored;
  }

  async withdraw(name: string, key: string) {
    const n = this.node(name);
    const stored = await n.registry.withdraw(key);
    if (stored.length > 0) n.gossip.changed();
    return stored;
  }

  /** Runs deferred work (pushes after responses) until none is left; throws if a push failed unexpectedly. */
  async settle(maxTasks = 100_000): Promise<number> {
    let ran = 0;
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      ran += batch.length;
      if (ran > maxTasks) throw new Error("deferred work does not settle");
      await Promise.all(batch.map((t) => t()));
    }
    if (this.#failures.length > 0) {
      const failures = this.#failures;
      this.#failures = [];
      throw new AggregateError(failures, `${failures.length} push(es) failed: ${failures.map((f) => String((f as Error).cause)).join("; ")}`);
    }
    return ran;
  }

  /** Drops deferred work without running it: pushes that never happened. */
  drop(): void {
    this.#queue = [];
  }

  async stateHashes(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [name, n] of this.nodes) out.set(name, await n.store.stateHash());
    return out;
  }

  close(): void {
    for (const n of this.nodes.values()) n.database?.close();
  }
}
