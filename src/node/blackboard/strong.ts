// Strong consistency for a blackboard key (docs/protocol.md §17.8, src/protocol/blackboard/strong-log.ts):
// any replica takes a client's operation and hands it to the key's home; the home runs the key's
// operations one at a time, and a write is answered only once a majority of the replicas (the home
// included) has stored its entry and signed an acknowledgement. Reads answer the home's last
// committed value: with no failover no other node can commit to the key, so that value is the
// latest and the read needs no round. The home unreachable, or no majority: `unavailable`.
import { homeOf } from "../../protocol/blackboard/home.ts";
import { AckTally } from "../../protocol/blackboard/quorum.ts";
import {
  decide,
  signStrongAck,
  signStrongEntry,
  strongEntry,
  supersedes,
  verifyStrongAck,
  verifyStrongEntry,
  type StrongAck,
  type StrongEntry,
  type StrongOp,
} from "../../protocol/blackboard/strong-log.ts";
import type { EntrySigner, OriginKey } from "../../protocol/identity/signer.ts";
import type { HybridClock } from "../../protocol/registry/hlc.ts";
import type { strongAppendResult, StrongOutcome } from "../../protocol/messages/blackboard-strong.ts";
import type { StrongLogRepository } from "../../store/blackboard-strong-log.ts";
import type { StrongHome } from "../settings/platform.ts";
import type { z } from "zod";

type AppendResult = z.infer<typeof strongAppendResult>;

export interface StrongPorts {
  self: string;
  signer: EntrySigner;
  keyOf(node: string): Promise<OriginKey | undefined>;
  /** The replicas the namespace's signed descriptor names, or undefined for a namespace this node does not know. */
  replicasOf(namespace: string): Promise<readonly string[] | undefined>;
  /** Sends an entry to a replica; throws when it cannot be reached. */
  append(replica: string, entry: StrongEntry): Promise<AppendResult>;
  /** Hands an operation to the key's home; throws when the answer does not come back. */
  forward(home: string, namespace: string, key: string, op: StrongOp): Promise<StrongOutcome>;
  log: StrongLogRepository;
  clock: HybridClock;
  /** How long the home waits for a majority before it drops an entry. */
  ackTimeoutMs: number;
  /** The runtime's place for the key queues (Workers: Durable Objects), which calls `orderHere` there; absent, this process. */
  home?: StrongHome | undefined;
}

const unavailable = (applied: "no" | "unknown", message: string): StrongOutcome => ({ ok: false, error: "unavailable", applied, message });

export class StrongBlackboard {
  /** The tail of each key's queue at its home, in this process; a key leaves it once idle. */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(private readonly p: StrongPorts) {}

  /** A client's operation, on any replica of the namespace. */
  async run(namespace: string, key: string, op: StrongOp): Promise<StrongOutcome> {
    const replicas = await this.p.replicasOf(namespace);
    if (!replicas?.includes(this.p.self)) return { ok: false, error: "not_replica", applied: "no", message: `this node is not a replica of ${namespace}` };
    const home = homeOf(namespace, key, replicas);
    if (home === this.p.self) return this.#atHome(namespace, key, op, replicas);
    try {
      return await this.p.forward(home, namespace, key, op);
    } catch (err) {
      // The home may have run it and the answer been lost: only a read is surely without effect.
      return unavailable(op.op === "read" ? "no" : "unknown", `the home ${home} did not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** At the home: an operation another replica forwarded. */
  async serveForward(from: string, namespace: string, key: string, op: StrongOp): Promise<StrongOutcome> {
    const replicas = await this.p.replicasOf(namespace);
    if (!replicas?.includes(this.p.self) || !replicas.includes(from)) return { ok: false, error: "not_replica", applied: "no", message: `not a replica of ${namespace}` };
    if (homeOf(namespace, key, replicas) !== this.p.self) return { ok: false, error: "not_home", applied: "no", message: `this node is not the home of ${key}` };
    return this.#atHome(namespace, key, op, replicas);
  }

  /** At another replica: an entry from the key's home, stored and acknowledged. */
  async serveAppend(from: string, entry: StrongEntry): Promise<AppendResult> {
    const refuse = (code: "not_home" | "not_replica" | "bad_signature" | "stale", message: string): AppendResult => ({ type: "blackboard-refused", code, message });
    const replicas = await this.p.replicasOf(entry.namespace);
    if (!replicas?.includes(this.p.self)) return refuse("not_replica", `this node is not a replica of ${entry.namespace}`);
    const home = homeOf(entry.namespace, entry.key, replicas);
    if (entry.home !== home || from !== home) return refuse("not_home", `${from} is not the home of ${entry.key}`);
    if (!(await verifyStrongEntry(entry, await this.p.keyOf(home)))) return refuse("bad_signature", "the entry's signature does not verify");
    const stored = await this.p.log.get(entry.namespace, entry.key);
    const same = stored?.slot === entry.slot && stored.hlc === entry.hlc;
    if (!same && !supersedes(entry, stored)) return refuse("stale", `slot ${entry.slot} is older than the stored one`);
    if (!same && !(await this.p.log.store({ namespace: entry.namespace, key: entry.key, slot: entry.slot, hlc: entry.hlc, entry: JSON.stringify(entry) }))) {
      return refuse("stale", "a later entry was stored meanwhile");
    }
    return { type: "blackboard-ack", ack: await signStrongAck(entry, this.p.signer) };
  }

  async #atHome(namespace: string, key: string, op: StrongOp, replicas: readonly string[]): Promise<StrongOutcome> {
    if (!this.p.home) return this.orderHere(namespace, key, op, replicas);
    try {
      return await this.p.home.order(namespace, key, op, replicas);
    } catch (err) {
      return unavailable(op.op === "read" ? "no" : "unknown", `the key's queue did not answer: ${(err instanceof Error ? err.message : String(err)).slice(0, 300)}`);
    }
  }

  /** Runs an operation at this home, after the key's earlier ones in this process (on Workers, in the key's Durable Object). */
  orderHere(namespace: string, key: string, op: StrongOp, replicas: readonly string[]): Promise<StrongOutcome> {
    const id = JSON.stringify([namespace, key]);
    const run = (this.#queues.get(id) ?? Promise.resolve()).then(() => this.#order(namespace, key, op, replicas));
    const tail = run.catch(() => {});
    this.#queues.set(id, tail);
    void tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id);
    });
    return run;
  }

  async #order(namespace: string, key: string, op: StrongOp, replicas: readonly string[]): Promise<StrongOutcome> {
    const row = await this.p.log.get(namespace, key);
    const current = row ? strongEntry.parse(JSON.parse(row.entry)) : undefined;
    const { result, write } = decide(current ? { slot: current.slot, ...(current.value === undefined ? {} : { value: current.value }) } : { slot: 0 }, op);
    if (!write) return { ok: true, result };
    const entry = await signStrongEntry(
      { namespace, key, slot: result.slot, hlc: this.p.clock.tick(), home: this.p.self, ...(write.value === undefined ? {} : { value: write.value as never }) },
      this.p.signer,
    );
    const acks = await this.#replicate(entry, replicas);
    if (!acks) return unavailable("no", `no majority of the ${replicas.length} replicas acknowledged slot ${entry.slot}`);
    const committed = await this.p.log.commit({ namespace, key, slot: entry.slot, hlc: entry.hlc, entry: JSON.stringify(entry), acks: JSON.stringify(acks) });
    if (!committed) return unavailable("no", `slot ${entry.slot} was committed by another isolate first`);
    return { ok: true, result };
  }

  /** Sends the entry to every other replica; the acknowledgements of a majority, or undefined once none can be had in time. */
  #replicate(entry: StrongEntry, replicas: readonly string[]): Promise<StrongAck[] | undefined> {
    const tally = new AckTally(replicas, this.p.self);
    const acks: StrongAck[] = [];
    if (tally.state === "committed") return Promise.resolve(acks);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.p.ackTimeoutMs);
      const settle = () => {
        if (tally.state === "waiting") return;
        clearTimeout(timer);
        resolve(tally.state === "committed" ? [...acks] : undefined);
      };
      for (const r of replicas.filter((x) => x !== this.p.self)) {
        void this.p
          .append(r, entry)
          .then(async (answer) => {
            const ok = answer.type === "blackboard-ack" && answer.ack.replica === r && (await verifyStrongAck(answer.ack, entry, await this.p.keyOf(r)));
            if (ok && tally.state === "waiting") acks.push(answer.ack);
            if (ok) tally.ack(r);
            else tally.fail(r);
          })
          .catch(() => tally.fail(r))
          .finally(settle);
      }
    });
  }
}
