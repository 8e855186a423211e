// N simulated nodes in one process: the real Registry and Gossip, in-memory stores, and the
// in-memory network of the tests. Deferred work (pushes after a response) waits for the next
// round, so one round is one network hop for pushes and one tick for every live node.
import { Gossip, type GossipOptions } from "../../src/node/gossip/gossip.ts";
import { MemoryEntryStore } from "../../src/store/memory-entries.ts";
import { Registry } from "../../src/node/registry/registry.ts";
import type { EntrySigner, EntryVerifier } from "../../src/protocol/registry/signing.ts";
import { ed25519TestSigner, TestKeyring } from "../../test/support/ed25519.ts";
import { InMemoryNetwork } from "../../test/support/network.ts";

export interface SimNode {
  index: number;
  id: string;
  store: MemoryEntryStore;
  registry: Registry;
  gossip: Gossip;
}

export interface SimSetup {
  adjacency: number[][];
  down: Set<number>;
  loss: number;
  /** Ed25519 on every entry; off, entries carry a dummy signature that every node accepts. */
  sign: boolean;
  random: () => number;
  options?: Partial<GossipOptions>;
}

/** For speed only: a fixed 64-byte signature, and a verifier that accepts anything. Never used by a node. */
function unsignedForSpeed(nodeId: string): { signer: EntrySigner } {
  return { signer: { nodeId, sign: async () => new Uint8Array(64) } };
}
const acceptAll: EntryVerifier = { keyOf: async () => ({ verify: async () => true }) };

export class SimFederation {
  readonly network: InMemoryNetwork;
  readonly nodes: SimNode[] = [];
  #next: (() => Promise<void>)[] = [];
  /** Whether deferred pushes run (off: anti-entropy alone). */
  pushes = true;

  private constructor(readonly setup: SimSetup) {
    this.network = new InMemoryNetwork(setup.random);
    this.network.loss = setup.loss;
  }

  static async create(setup: SimSetup): Promise<SimFederation> {
    const sim = new SimFederation(setup);
    const keyring = new TestKeyring();
    const identities = await Promise.all(
      setup.adjacency.map(async (_, i) => {
        if (!setup.sign) return unsignedForSpeed(`sim-${i}`);
        const id = await ed25519TestSigner();
        keyring.add(id);
        return id;
      }),
    );
    const ids = identities.map((i) => i.signer.nodeId);
    for (const [i, identity] of identities.entries()) {
      const store = new MemoryEntryStore();
      const registry = new Registry({ signer: identity.signer, verifier: setup.sign ? keyring : acceptAll, store });
      const gossip = new Gossip({
        registry,
        transport: sim.network.transport(ids[i]!),
        peers: async () => setup.adjacency[i]!.map((j) => ids[j]!),
        later: (task) => void (sim.pushes && sim.#next.push(task)),
        random: setup.random,
        options: setup.options,
        onFailure: () => {},
      });
      sim.network.join(ids[i]!, gossip);
      sim.nodes.push({ index: i, id: ids[i]!, store, registry, gossip });
    }
    for (const d of setup.down) sim.network.down.add(ids[d]!);
    return sim;
  }

  live(): SimNode[] {
    return this.nodes.filter((n) => !this.setup.down.has(n.index));
  }

  /** One round: pushes deferred in the last round go out, then every live node ticks (if `ticks`). */
  async round(ticks: boolean): Promise<void> {
    const due = this.#next;
    this.#next = [];
    await Promise.all(due.map((task) => task().catch(() => undefined)));
    if (ticks) await Promise.all(this.live().map((n) => n.gossip.tick()));
  }

  /** Runs deferred work until none is left (set-up only). */
  async settle(): Promise<void> {
    while (this.#next.length > 0) await this.round(false);
  }
}
