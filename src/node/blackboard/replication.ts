// Replication of the blackboard between a namespace's replicas (protocol §17.6). Each local write
// is pushed at once to the other replicas, without waiting and without retrying: a push that is
// lost is found by repair, which runs on the tick with one replica in turn per namespace, as
// range-based reconciliation over (hlc, delta hash) and then a transfer of what either side lacks.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { isReplica, type SignedDescriptor } from "../../protocol/blackboard/namespace.ts";
import type { SignedDelta } from "../../protocol/blackboard/delta.ts";
import {
  blackboardReconcileReply,
  MAX_PUSH_DELTAS,
  pushReply,
  transferReply,
  type BlackboardReconcileReply,
  type BlackboardRequest,
  type PushReply,
  type TransferReply,
} from "../../protocol/messages/blackboard.ts";
import { DEFAULT_RECONCILE, ReconcileSession, ReconcileSet, respond, type ReconcileParams } from "../../protocol/reconciliation.ts";
import type { FederationClient } from "../federation-client/client.ts";
import { log } from "../logging/log.ts";
import type { Blackboard } from "./board.ts";
import { BlackboardError } from "./errors.ts";

/** How a request reaches a replica; production seals it in an envelope to POST /federation/v1/blackboard. */
export interface BlackboardTransport {
  push(peer: string, r: Extract<BlackboardRequest, { type: "push" }>): Promise<PushReply>;
  reconcile(peer: string, r: Extract<BlackboardRequest, { type: "reconcile" }>): Promise<BlackboardReconcileReply>;
  transfer(peer: string, r: Extract<BlackboardRequest, { type: "transfer" }>): Promise<TransferReply>;
}

export function envelopeBlackboardTransport(client: FederationClient): BlackboardTransport {
  return {
    push: (peer, r) => client.callActive(peer, "blackboard", r, pushReply),
    reconcile: (peer, r) => client.callActive(peer, "blackboard", r, blackboardReconcileReply),
    transfer: (peer, r) => client.callActive(peer, "blackboard", r, transferReply),
  };
}

/** Round trips after which a namespace's reconciliation is given up. */
const MAX_RECONCILE_ROUNDS = 64;
/**
 * Deltas per request, and their bytes: a delta carries a composite signature (~4.4 KB in
 * base64url) and a value of up to 16 KiB, and a request body is 1 MiB by default.
 */
const BATCH_DELTAS = 32;
const BATCH_BYTES = 512 * 1024;

export interface RepairReport {
  namespace: string;
  peer: string;
  rounds: number;
  sent: number;
  stored: number;
  refused: number;
}

export interface ReplicationOptions {
  board: Blackboard;
  transport: BlackboardTransport;
  /** Active peers: where a public namespace's writes go. */
  activePeers: () => Promise<string[]>;
  /** Runs work past the request that started it. */
  later: (work: Promise<unknown>) => void;
  params?: ReconcileParams;
}

function batches(deltas: SignedDelta[]): SignedDelta[][] {
  const out: SignedDelta[][] = [];
  let current: SignedDelta[] = [];
  let bytes = 0;
  for (const d of deltas) {
    const size = canonicalJson(d).length;
    if (current.length > 0 && (current.length >= Math.min(BATCH_DELTAS, MAX_PUSH_DELTAS) || bytes + size > BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(d);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export class BlackboardReplication {
  readonly #o: ReplicationOptions;
  readonly #params: ReconcileParams;

  constructor(o: ReplicationOptions) {
    this.#o = o;
    this.#params = o.params ?? DEFAULT_RECONCILE;
    o.board.onStored((d, local) => {
      if (local) o.later(this.push(d));
    });
  }

  /** The replicas a namespace's deltas go to from here. */
  async peersOf(d: SignedDescriptor): Promise<string[]> {
    const self = this.#o.board.self;
    if (d.replicas !== "public") return d.replicas.filter((r) => r !== self);
    return (await this.#o.activePeers()).filter((p) => p !== self);
  }

  /** Sends one delta to every other replica; failures are left to repair. */
  async push(d: SignedDelta): Promise<void> {
    const descriptor = await this.#o.board.store.descriptor(d.namespace);
    if (!descriptor) return;
    await Promise.all(
      (await this.peersOf(descriptor)).map(async (peer) => {
        try {
          const reply = await this.#o.transport.push(peer, { type: "push", descriptors: [descriptor], deltas: [d] });
          if (reply.refused.length > 0) log.warn("blackboard.push_refused", { peer, namespace: d.namespace, refused: reply.refused.map((x) => `${x.of} ${x.index}: ${x.code}`).join(", ") });
        } catch (err) {
          log.info("blackboard.push_failed", { peer, namespace: d.namespace, error: String(err) });
        }
      }),
    );
  }

  /** Repairs every namespace held here with one of its other replicas, in turn; failures are reported, never thrown. */
  async tick(turn: number): Promise<(RepairReport | { namespace: string; peer: string; error: string })[]> {
    const out: (RepairReport | { namespace: string; peer: string; error: string })[] = [];
    for (const d of await this.#o.board.store.namespaces()) {
      if (!isReplica(d, this.#o.board.self)) continue;
      const peers = (await this.peersOf(d)).sort();
      if (peers.length === 0) continue;
      const peer = peers[turn % peers.length]!;
      try {
        out.push(await this.repair(d.namespace, peer));
      } catch (err) {
        log.info("blackboard.repair_failed", { peer, namespace: d.namespace, error: String(err) });
        out.push({ namespace: d.namespace, peer, error: String(err) });
      }
    }
    return out;
  }

  /** Brings `peer` and this node to the same deltas of `namespace`. */
  async repair(namespace: string, peer: string): Promise<RepairReport> {
    const { board, transport } = this.#o;
    const descriptor = await board.replicated(namespace);
    const session = new ReconcileSession(ReconcileSet.of(await board.store.items(namespace)), this.#params);
    let message: string | undefined = await session.start();
    let rounds = 0;
    while (message !== undefined) {
      if (rounds >= MAX_RECONCILE_ROUNDS) throw new Error(`reconciliation of ${namespace} with ${peer} did not settle in ${rounds} round trips`);
      const reply = await transport.reconcile(peer, { type: "reconcile", namespace, descriptor, message });
      rounds++;
      message = await session.next(reply.message);
    }
    const report: RepairReport = { namespace, peer, rounds, sent: 0, stored: 0, refused: 0 };
    const have = batches(await board.store.byHashPrefix(namespace, [...session.found.have]));
    const want = [...session.found.need];
    for (let i = 0; i < Math.max(have.length, Math.ceil(want.length / BATCH_DELTAS)); i++) {
      const deltas = have[i] ?? [];
      const reply = await transport.transfer(peer, { type: "transfer", namespace, deltas, want: want.slice(i * BATCH_DELTAS, (i + 1) * BATCH_DELTAS) });
      report.sent += deltas.length;
      report.refused += reply.refused.length;
      const got = await board.receive(reply.wanted, peer);
      report.stored += got.stored.length;
      report.refused += got.refused.length;
    }
    return report;
  }

  /** The receiving side, called with the authenticated sender's node id. */
  async onRequest(from: string, r: BlackboardRequest): Promise<PushReply | BlackboardReconcileReply | TransferReply> {
    const { board } = this.#o;
    switch (r.type) {
      case "push": {
        const refusedDescriptors = await board.receiveDescriptors(r.descriptors, from);
        const got = await board.receive(r.deltas, from);
        return { stored: got.stored.length, refused: [...refusedDescriptors, ...got.refused] };
      }
      case "reconcile": {
        await board.receiveDescriptors([r.descriptor], from);
        await this.#fromReplica(r.namespace, from);
        return { message: await respond(ReconcileSet.of(await board.store.items(r.namespace)), r.message, this.#params) };
      }
      case "transfer": {
        await this.#fromReplica(r.namespace, from);
        const got = await board.receive(r.deltas, from);
        // Answered within the byte budget of one reply; the rest is asked for again next repair.
        const wanted = (await board.store.byHashPrefix(r.namespace, r.want)).slice(0, BATCH_DELTAS);
        return { stored: got.stored.length, refused: got.refused, wanted: batches(wanted)[0] ?? [] };
      }
    }
  }

  /** Only replicas compare and fetch a namespace's deltas. */
  async #fromReplica(namespace: string, from: string): Promise<void> {
    const d = await this.#o.board.replicated(namespace);
    if (!isReplica(d, from)) throw new BlackboardError("not_a_replica", `${from} does not replicate ${namespace}`);
  }
}
