// The blackboard as one node holds it (protocol §17.5–17.7): namespaces it creates or replicates, local
// writes signed as this node and merged at once, reads of the merged value, and deltas received
// from replicas, each checked (bounds, namespace, writer a replica, signature) before a byte of
// it is stored. Replication (replication.ts) and sessions (sessions.ts) build on this.
import { DeltaError, parseDelta, signDelta, verifyDelta, type SignedDelta } from "../../protocol/blackboard/delta.ts";
import { creatorOf, isReplica, signDescriptor, signedDescriptor, verifyDescriptor, type Consistency, type SignedDescriptor } from "../../protocol/blackboard/namespace.ts";
import { MAX_TOKEN_WRITERS, type VersionVector } from "../../protocol/blackboard/session-token.ts";
import type { BlackboardValue, ValueOp } from "../../protocol/blackboard/value.ts";
import type { LedgerSigner, LedgerVerifier } from "../../protocol/ledger/signing.ts";
import type { Refusal, RefusalCode } from "../../protocol/messages/blackboard.ts";
import { HybridClock } from "../../protocol/registry/hlc.ts";
import type { BlackboardStore } from "../../store/blackboard.ts";
import { BlackboardError } from "./errors.ts";
import { KeyLocks } from "./key-locks.ts";

export interface BlackboardOptions {
  self: string;
  store: BlackboardStore;
  signer: LedgerSigner;
  /** Writers' and creators' keys: this node's own, and peers' cards. */
  keys: LedgerVerifier;
  clock?: HybridClock;
}

/** What a read or write answers: the value, and the version this node holds of the key. */
export interface KeyState {
  value: BlackboardValue | undefined;
  stateHash: string | null;
  vector: VersionVector;
}

export interface ReceiveReport {
  stored: SignedDelta[];
  refused: Refusal[];
}

export class Blackboard {
  readonly self: string;
  readonly store: BlackboardStore;
  readonly clock: HybridClock;
  readonly #o: BlackboardOptions;
  readonly #locks = new KeyLocks();
  #resumed: Promise<void> | undefined;
  /** Told of every delta stored here, local or received: replication pushes, watchers hear. */
  readonly #listeners = new Set<(d: SignedDelta, local: boolean) => void>();

  constructor(o: BlackboardOptions) {
    this.#o = o;
    this.self = o.self;
    this.store = o.store;
    this.clock = o.clock ?? new HybridClock();
  }

  onStored(listener: (d: SignedDelta, local: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Creates (or re-describes) a namespace of this node's. */
  async describe(name: string, replicas: string[] | "public", consistency: Consistency): Promise<SignedDescriptor> {
    await this.#resume();
    const namespace = `${this.self}/${name}`;
    const list = replicas === "public" ? "public" : [...new Set([this.self, ...replicas])].sort();
    let d: SignedDescriptor;
    try {
      d = await signDescriptor({ namespace, hlc: this.clock.tick(), replicas: list, consistency }, this.#o.signer);
    } catch (err) {
      throw new BlackboardError("malformed", err instanceof Error ? err.message : String(err));
    }
    await this.store.saveDescriptor(d);
    return d;
  }

  /** The namespace's descriptor, when this node is one of its replicas; a typed refusal otherwise. */
  async replicated(namespace: string): Promise<SignedDescriptor> {
    const d = await this.store.descriptor(namespace);
    if (!d) throw new BlackboardError("unknown_namespace", `no namespace ${namespace} here`);
    if (!isReplica(d, this.self)) throw new BlackboardError("not_a_replica", `this node does not replicate ${namespace}`);
    return d;
  }

  async read(namespace: string, key: string): Promise<KeyState> {
    await this.replicated(namespace);
    return this.#state(namespace, key);
  }

  async #state(namespace: string, key: string): Promise<KeyState> {
    const { value, vector } = await this.store.snapshot(namespace, key);
    return { value: value?.value, stateHash: value?.stateHash ?? null, vector };
  }

  /**
   * Signs and stores one write to `key`: `build` turns the value held into the op (undefined:
   * nothing to write). Writes to one key take turns in this process, so running totals hold.
   */
  async write(namespace: string, key: string, build: (held: BlackboardValue | undefined) => ValueOp | undefined): Promise<KeyState & { delta?: SignedDelta }> {
    await this.replicated(namespace);
    await this.#resume();
    return this.#locks.run(`${namespace}\n${key}`, async () => {
      const held = await this.store.value(namespace, key);
      const op = build(held?.value);
      if (!op) return this.#state(namespace, key);
      let delta: SignedDelta;
      try {
        delta = await signDelta({ namespace, key, hlc: this.clock.tick(), writer: this.self, op }, this.#o.signer);
      } catch (err) {
        if (err instanceof DeltaError) throw new BlackboardError(err.code, err.message);
        throw err;
      }
      await this.store.apply(delta, null);
      for (const l of this.#listeners) l(delta, true);
      return { ...(await this.#state(namespace, key)), delta };
    });
  }

  /** Descriptors a peer sent: kept when the creator signed them and they are newer. */
  async receiveDescriptors(input: unknown[], from: string): Promise<Refusal[]> {
    const refused: Refusal[] = [];
    for (const [index, raw] of input.entries()) {
      const parsed = signedDescriptor.safeParse(raw);
      if (!parsed.success) {
        refused.push({ of: "descriptor", index, code: "malformed" });
        continue;
      }
      const key = await this.#o.keys.keyOf(creatorOf(parsed.data.namespace), from);
      if (!key) refused.push({ of: "descriptor", index, code: "unknown_writer" });
      else if (!(await verifyDescriptor(parsed.data, key))) refused.push({ of: "descriptor", index, code: "bad_signature" });
      else await this.store.saveDescriptor(parsed.data);
    }
    return refused;
  }

  /** Deltas a peer sent; each is checked in full before it is stored, and a refused one changes nothing. */
  async receive(input: unknown[], from: string): Promise<ReceiveReport> {
    await this.#resume();
    const report: ReceiveReport = { stored: [], refused: [] };
    for (const [index, raw] of input.entries()) {
      const code = await this.#check(raw, from);
      if (typeof code === "string") {
        report.refused.push({ of: "delta", index, code });
        continue;
      }
      // Under the key's turn, the clock past the delta first: a local write to the key after it
      // is stamped later, so it wins here as it did when it was made.
      const d = code;
      const outcome = await this.#locks.run(`${d.namespace}\n${d.key}`, async () => {
        this.clock.observe(d.hlc);
        return this.store.apply(d, from);
      });
      if (outcome.applied) {
        report.stored.push(code);
        for (const l of this.#listeners) l(code, false);
      }
    }
    return report;
  }

  async #check(raw: unknown, from: string): Promise<SignedDelta | RefusalCode> {
    let d: SignedDelta;
    try {
      d = parseDelta(raw);
    } catch (err) {
      if (err instanceof DeltaError) return err.code;
      throw err;
    }
    const descriptor = await this.store.descriptor(d.namespace);
    if (!descriptor) return "unknown_namespace";
    // This node holds only what it replicates, and takes it only from replicas and their writers.
    if (!isReplica(descriptor, this.self) || !isReplica(descriptor, from) || !isReplica(descriptor, d.writer)) return "not_a_replica";
    if (this.clock.tooFarAhead(d.hlc)) return "clock_ahead";
    const verdict = await verifyDelta(d, { keyOf: (writer) => this.#o.keys.keyOf(writer, from) });
    if (verdict !== "valid") return verdict;
    const vector = await this.store.vector(d.namespace, d.key);
    if (!(d.writer in vector) && Object.keys(vector).length >= MAX_TOKEN_WRITERS) return "too_many_writers";
    return d;
  }

  /** Moves the clock past this node's last write, once per process: a restart must not reuse a stamp. */
  #resume(): Promise<void> {
    return (this.#resumed ??= this.store.lastHlcOf(this.self).then((last) => {
      if (last) this.clock.resume(last);
    }));
  }
}
