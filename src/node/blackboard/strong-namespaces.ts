// The namespaces strong consistency runs on: a descriptor signed by the creator, naming a fixed
// list of replicas (a majority of "public" is not defined). The creator describes a namespace and
// sends the descriptor to each replica; a replica keeps one only from its creator, signature checked.
import { creatorOf, signDescriptor, signedDescriptor, verifyDescriptor, type SignedDescriptor } from "../../protocol/blackboard/namespace.ts";
import type { EntrySigner, OriginKey } from "../../protocol/identity/signer.ts";
import type { HybridClock } from "../../protocol/registry/hlc.ts";
import type { BlackboardStore } from "../../store/blackboard.ts";

export interface StrongNamespacePorts {
  self: string;
  signer: EntrySigner;
  keyOf(node: string): Promise<OriginKey | undefined>;
  store: BlackboardStore;
  clock: HybridClock;
  /** Sends a descriptor to a replica; whether it stored it. Throws when the replica is out of reach. */
  send(replica: string, descriptor: SignedDescriptor): Promise<boolean>;
}

export class StrongNamespaces {
  constructor(private readonly p: StrongNamespacePorts) {}

  /** The fixed replicas of a namespace this node holds, or undefined. */
  async replicasOf(namespace: string): Promise<readonly string[] | undefined> {
    const d = await this.p.store.descriptor(namespace);
    return d && d.replicas !== "public" ? d.replicas : undefined;
  }

  /** Describes a new namespace of this node's, stores it and hands it to the other replicas: those that did not take it. */
  async describe(name: string, replicas: string[]): Promise<{ descriptor: SignedDescriptor; missed: string[] }> {
    const all = [...new Set([this.p.self, ...replicas])].sort();
    const descriptor = await signDescriptor({ namespace: `${this.p.self}/${name}`, hlc: this.p.clock.tick(), replicas: all, consistency: "strong" }, this.p.signer);
    await this.p.store.saveDescriptor(descriptor);
    const sent = await Promise.all(all.filter((r) => r !== this.p.self).map(async (r) => ((await this.p.send(r, descriptor).catch(() => false)) ? undefined : r)));
    return { descriptor, missed: sent.filter((r): r is string => r !== undefined) };
  }

  /** A descriptor from a peer: kept when its creator sent and signed it and this node is a replica. */
  async receive(from: string, input: unknown): Promise<boolean> {
    const parsed = signedDescriptor.safeParse(input);
    if (!parsed.success) return false;
    const d = parsed.data;
    if (creatorOf(d.namespace) !== from || d.replicas === "public" || !d.replicas.includes(this.p.self)) return false;
    const key = await this.p.keyOf(from);
    if (!key || !(await verifyDescriptor(d, key))) return false;
    await this.p.store.saveDescriptor(d);
    return true;
  }
}
