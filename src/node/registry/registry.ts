// The node's replica of the federated registry: it admits entries from peers (checked, signed by
// their origin, counted when refused) and publishes this node's own shares and withdrawals.
import type { Card } from "../../protocol/card/schema.ts";
import { toolFingerprint } from "../../protocol/registry/tool-fingerprint.ts";
import { HybridClock, hlcAt } from "../../protocol/registry/hlc.ts";
import { isRejection, screen, type AdmissionRules, type Rejection } from "../../protocol/registry/admission.ts";
import { byteLength, MAX_ENTRY_BYTES, NODE_CARD_KEY, nodeBody, toolBody, toolDefinition, type Entry, type ToolDefinition, type UnsignedEntry, type Visibility } from "../../protocol/registry/entry.ts";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { RegistryMetrics, type Outcome } from "./metrics.ts";
import { withinQuota, type OriginQuota } from "./quota.ts";
import { signDirectoryEntry, signEntry, verifyEntry, type EntrySigner, type EntryVerifier } from "../../protocol/registry/signing.ts";
import { DIRECTORY_KEY, directoryBodyOf } from "../../protocol/registry/directory-entries.ts";
import type { EntryStore } from "../../store/entry-store.ts";
import { itemBody, itemFingerprint, keyOfItem, nameOf, type ItemDefinition, type ItemKind } from "../../protocol/registry/shared-items.ts";
import { keyOfTrust, type TrustBodyOf, type TrustKind } from "../../protocol/registry/trust-entries.ts";
import type { AgentBodyOf, AgentKind } from "../../protocol/registry/agent-entries.ts";
import { keyOfPackage, type PackageBody } from "../../protocol/registry/package-entries.ts";
import { FORWARDING_KEY, type ForwardingBody } from "../../protocol/registry/forwarding-entries.ts";

/** A package version is published already with another body (protocol §18.1). */
export class ImmutableVersionError extends Error {
  override name = "ImmutableVersionError";
  constructor(readonly key: string) {
    super(`${key} is published already with another body: a version never changes; publish a new version`);
  }
}

/** The kinds whose slots the operator fills and withdraws: all but the node's own card and directory entry. */
type SlotKind = Exclude<UnsignedEntry["kind"], "node" | "directory">;

/** Longer than any node is expected to stay offline: a node back after longer may revive withdrawn tools. */
export const DEFAULT_TOMBSTONE_TTL_MS = 30 * 24 * 3600 * 1000;

export interface RegistryOptions {
  /** With `signEd25519`, a public node also publishes its compact directory entry (§20.7) beside its card. */
  signer: EntrySigner & { signEd25519?(message: Uint8Array, context: string): Promise<Uint8Array> };
  verifier: EntryVerifier;
  store: EntryStore;
  clock?: HybridClock;
  metrics?: RegistryMetrics;
  /** The origins whose entries are refused, whichever peer relays them; read once per batch. */
  blockedOrigins?: () => Promise<ReadonlySet<string>>;
  /** Checks the card a node entry carries (see admission.ts); without it, node entries are refused. */
  checkCard?: (card: Card, origin: string) => Promise<string | undefined>;
  /** Checks a directory entry (see admission.ts); without it, directory entries are refused. */
  checkDirectory?: AdmissionRules["checkDirectory"];
  maxEntryBytes?: number;
  /** What one origin may hold here; without it, no bound (the simulator). */
  originQuota?: OriginQuota;
  tombstoneTtlMs?: number;
  now?: () => number;
  /**
   * Under partial synchronization, which entries this node keeps (read once per batch): the others
   * are passed over, neither stored nor relayed. Unset: every valid entry is kept.
   */
  kept?: () => Promise<(origin: string, kind: string) => boolean>;
  /** Called with the entries each change stored, received or published: the catalog's cue for list_changed. */
  onChange?: (stored: Entry[]) => void;
  /** Called with what each batch of a peer's entries became (the node's metrics). */
  onReceived?: (report: ReceiveReport) => void;
}

export interface ReceiveReport {
  /** Entries that changed this replica, in the order received. */
  stored: Entry[];
  rejected: Rejection[];
  outcomes: Record<Outcome, number>;
  /** Ids of every entry that could be read, whatever became of it. */
  readable: Set<string>;
}

/** A tool as the operator shares it. The MCP Tool's other fields (icons, _meta) stay local. */
export interface ShareInput {
  /** `<upstream>/<tool>`, or with `@<label>` to keep another version live beside it. */
  key: string;
  version: string;
  tool: ToolDefinition & Record<string, unknown>;
  tags: string[];
  pricing: unknown;
  /** How long consumers may keep a result; only for read-only, idempotent tools. */
  cacheTtlSeconds?: number | undefined;
  /** Any provider of the same fingerprint that says so too may serve this tool's calls. */
  replicable?: boolean | undefined;
  /** private: the tool leaves no trace in the registry; sharing it before is withdrawn. */
  visibility: Visibility | "private";
  /** The name this node lists the tool under, when it is not `<upstream>_<tool>`. */
  listedName?: string | undefined;
}

/** A resource, resource template or prompt as the operator shares it: as for a tool, without versions. */
export interface ItemShareInput {
  kind: ItemKind;
  upstream: string;
  definition: ItemDefinition;
  pricing: unknown;
  visibility: Visibility | "private";
  /** A prompt's name here, when it is not `<upstream>_<prompt>`. */
  listedName?: string | undefined;
}

export class Registry {
  readonly self: string;
  readonly store: EntryStore;
  readonly clock: HybridClock;
  readonly metrics: RegistryMetrics;
  readonly #o: Required<Omit<RegistryOptions, "clock" | "metrics" | "store" | "onChange" | "onReceived" | "originQuota" | "kept" | "checkDirectory">>;
  readonly #kept: RegistryOptions["kept"];
  readonly #quota: OriginQuota | undefined;
  readonly #checkDirectory: RegistryOptions["checkDirectory"];
  readonly #onChange: (stored: Entry[]) => void;
  readonly #onReceived: ((report: ReceiveReport) => void) | undefined;

  constructor(o: RegistryOptions) {
    this.self = o.signer.nodeId;
    this.store = o.store;
    const now = o.now ?? Date.now;
    this.clock = o.clock ?? new HybridClock(now);
    this.metrics = o.metrics ?? new RegistryMetrics();
    this.#onChange = o.onChange ?? (() => {});
    this.#onReceived = o.onReceived;
    this.#quota = o.originQuota;
    this.#kept = o.kept;
    this.#checkDirectory = o.checkDirectory;
    this.#o = {
      signer: o.signer,
      verifier: o.verifier,
      blockedOrigins: o.blockedOrigins ?? (async () => new Set<string>()),
      checkCard: o.checkCard ?? (async () => "this node does not check cards"),
      maxEntryBytes: o.maxEntryBytes ?? MAX_ENTRY_BYTES,
      tombstoneTtlMs: o.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS,
      now,
    };
  }

  /** Tombstones stamped before this are past their TTL. */
  horizon(): string {
    return hlcAt(this.#o.now() - this.#o.tombstoneTtlMs);
  }

  /** Takes entries a peer sent: each is checked on its own, and only valid winners are stored. */
  async receive(raws: unknown[], from: string): Promise<ReceiveReport> {
    const outcomes: Record<Outcome, number> = { stored: 0, duplicate: 0, superseded: 0, expired: 0, unkept: 0 };
    const count = (o: Outcome) => {
      outcomes[o]++;
      this.metrics.outcome(o);
    };
    const rejected: Rejection[] = [];
    const reject = (r: Rejection) => {
      rejected.push(r);
      this.metrics.rejected(r.reason);
    };
    const blocked = await this.#o.blockedOrigins();
    const rules = { maxEntryBytes: this.#o.maxEntryBytes, clock: this.clock, isBlocked: (o: string) => blocked.has(o), checkCard: this.#o.checkCard, checkDirectory: this.#checkDirectory };
    const screened: Entry[] = [];
    for (const raw of raws) {
      const r = await screen(raw, rules);
      if (isRejection(r)) reject(r);
      else screened.push(r);
    }
    // A tombstone past its TTL has been collected elsewhere; storing it would only bring it back.
    const horizon = this.horizon();
    const fresh: Entry[] = [];
    for (const e of screened) {
      if (e.signed.tombstone && e.signed.hlc < horizon) count("expired");
      else fresh.push(e);
    }
    // Passed over before any lookup or signature: a partial replica spends nothing on them.
    const keeps = this.#kept ? await this.#kept() : undefined;
    const wanted: Entry[] = [];
    for (const e of fresh) {
      if (!keeps || keeps(e.signed.origin, e.signed.kind)) wanted.push(e);
      else count("unkept");
    }
    // Entries already held were verified when they arrived.
    const held = await this.store.has(wanted.map((e) => e.id));
    const unseen: Entry[] = [];
    for (const e of wanted) {
      if (held.has(e.id)) count("duplicate");
      else unseen.push(e);
    }
    // Before the signatures: an origin's excess costs no verification.
    let fitting = unseen;
    if (this.#quota) {
      const q = await withinQuota(unseen, this.#quota, (origin) => this.store.originSlots(origin));
      q.rejected.forEach(reject);
      fitting = q.fit;
    }
    // A directory entry's own signature was checked by screen(): it is not the composite one.
    const verdicts = await Promise.all(fitting.map((e) => (e.signed.kind === "directory" ? ("valid" as const) : verifyEntry(e, this.#o.verifier, from))));
    const verified: Entry[] = [];
    fitting.forEach((e, i) => {
      const v = verdicts[i]!;
      if (v === "valid") verified.push(e);
      else reject({ reason: v, detail: v === "unknown_origin" ? "the origin's key is not known" : "the signature does not verify", origin: e.signed.origin, key: e.signed.key });
    });
    const valid: Entry[] = [];
    for (const e of verified) {
      const changed = await this.#changedVersion(e);
      if (changed) reject(changed);
      else valid.push(e);
    }
    const fates = await this.store.put(valid, from);
    const stored = valid.filter((_e, i) => {
      count(fates[i]!);
      return fates[i] === "stored";
    });
    for (const e of stored) this.clock.observe(e.signed.hlc);
    if (stored.length > 0) this.#onChange(stored);
    const report = { stored, rejected, outcomes, readable: new Set(screened.map((e) => e.id)) };
    this.#onReceived?.(report);
    return report;
  }

  /**
   * Shares a tool, or changes how: returns the entries stored (none when nothing changed).
   * Narrowing public to peers tombstones the public slot, so nodes beyond the peers drop it too.
   */
  async share(input: ShareInput): Promise<Entry[]> {
    if (input.visibility === "private") return this.withdraw(input.key);
    const held = await this.#held("tool", input.key);
    const { name, title, description, inputSchema, outputSchema, annotations } = input.tool;
    const picked = { name, title, description, inputSchema, outputSchema, annotations };
    const tool = toolDefinition.parse(Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)));
    const body = toolBody.parse({ version: input.version, tool, fingerprint: await toolFingerprint(tool), tags: input.tags,
      pricing: input.pricing ?? null,
      ...(input.cacheTtlSeconds ? { cache: { ttlSeconds: input.cacheTtlSeconds } } : {}),
      ...(input.replicable ? { replicable: true } : {}),
      ...(input.listedName !== undefined ? { listedName: input.listedName } : {}),
    });
    return this.#replace(held, { origin: this.self, kind: "tool", key: input.key, visibility: input.visibility, hlc: "", tombstone: false, body });
  }

  /** Shares a resource, resource template or prompt, or changes how: as share() does for a tool. */
  async shareItem(input: ItemShareInput): Promise<Entry[]> {
    const key = keyOfItem(input.kind, input.upstream, nameOf(input.definition));
    if (input.visibility === "private") return this.withdraw(key, input.kind);
    const definition = input.definition;
    const field = input.kind === "resource" ? "resource" : input.kind === "prompt" ? "prompt" : "resourceTemplate";
    const listed = input.kind === "prompt" && input.listedName !== undefined ? { listedName: input.listedName } : {};
    const body = itemBody[input.kind].parse({ [field]: definition, fingerprint: await itemFingerprint(definition), pricing: input.pricing ?? null, ...listed });
    const unsigned = { origin: this.self, kind: input.kind, key, visibility: input.visibility, hlc: "", tombstone: false, body } as Extract<UnsignedEntry, { tombstone: false; kind: ItemKind }>;
    return this.#replace(await this.#held(input.kind, key), unsigned);
  }

  /**
   * Publishes a trust entry (src/node/trust/publish.ts checks it first), or changes its
   * visibility: as share() does for a tool. The key is the body's.
   */
  async publishTrust<K extends TrustKind>(kind: K, body: TrustBodyOf<K>, visibility: Visibility): Promise<Entry[]> {
    const key = keyOfTrust(kind, body);
    const unsigned = { origin: this.self, kind, key, visibility, hlc: "", tombstone: false, body } as Extract<UnsignedEntry, { tombstone: false; kind: TrustKind }>;
    return this.#replace(await this.#held(kind, key), unsigned);
  }

  /** Publishes an agent, intent or offer entry under `key` (src/node/agents checks it first), as share() does for a tool. */
  async publishAgentEntry<K extends AgentKind>(kind: K, key: string, body: AgentBodyOf<K>, visibility: Visibility): Promise<Entry[]> {
    const unsigned = { origin: this.self, kind, key, visibility, hlc: "", tombstone: false, body } as Extract<UnsignedEntry, { tombstone: false; kind: AgentKind }>;
    return this.#replace(await this.#held(kind, key), unsigned);
  }

  /**
   * Publishes a package version (protocol §18.1). A version is immutable: publishing another body
   * under a name and version this node holds is refused, here as on every receiver.
   */
  async publishPackage(body: PackageBody, visibility: Visibility): Promise<Entry[]> {
    const key = keyOfPackage(body.name, body.version);
    const held = await this.#held("package", key);
    const live = held.find((e) => !e.signed.tombstone && canonicalJson(e.signed.body) !== canonicalJson(body));
    if (live) throw new ImmutableVersionError(key);
    const unsigned = { origin: this.self, kind: "package", key, visibility, hlc: "", tombstone: false, body } as const;
    return this.#replace(held, unsigned);
  }

  /**
   * Publishes this node's forwarding claim (protocol §12.6.1) with its visibility, or withdraws it
   * (null); nothing when the claim held is the same.
   */
  async publishForwarding(claim: { body: ForwardingBody; visibility: Visibility } | null): Promise<Entry[]> {
    if (claim === null) return this.withdraw(FORWARDING_KEY, "forwarding");
    const unsigned = { origin: this.self, kind: "forwarding", key: FORWARDING_KEY, visibility: claim.visibility, hlc: "", tombstone: false, body: claim.body } as const;
    return this.#replace(await this.#held("forwarding", FORWARDING_KEY), unsigned);
  }

  /** The refusal of a live package entry whose version is held here with another body. */
  async #changedVersion(e: Entry): Promise<Rejection | undefined> {
    if (e.signed.kind !== "package" || e.signed.tombstone) return undefined;
    const body = canonicalJson(e.signed.body);
    const held = await this.store.slots(e.signed.origin, "package", e.signed.key);
    if (!held.some((h) => !h.signed.tombstone && canonicalJson(h.signed.body) !== body)) return undefined;
    return { reason: "immutable_version", detail: `${e.signed.key} is already published with another body`, origin: e.signed.origin, key: e.signed.key };
  }

  /**
   * Publishes `next` (its hlc stamped here) unless the slot holds the same body already, and
   * tombstones the other visibility's live slot.
   */
  #replace(held: Entry[], next: Extract<UnsignedEntry, { tombstone: false; kind: SlotKind }>): Promise<Entry[]> {
    const unsigned: UnsignedEntry[] = [];
    for (const e of held) {
      if (e.signed.visibility !== next.visibility && !e.signed.tombstone) unsigned.push(this.#tombstone(next.kind, e.signed.key, e.signed.visibility));
    }
    const current = held.find((e) => e.signed.visibility === next.visibility);
    const unchanged = current && !current.signed.tombstone && canonicalJson(current.signed.body) === canonicalJson(next.body);
    if (!unchanged) unsigned.push({ ...next, hlc: this.clock.tick() });
    return this.#publish(unsigned);
  }

  /** Withdraws a shared tool (or another kind's item or trust entry) everywhere it went: a tombstone for every live slot. */
  async withdraw(key: string, kind: SlotKind = "tool"): Promise<Entry[]> {
    const held = await this.#held(kind, key);
    return this.#publish(held.filter((e) => !e.signed.tombstone).map((e) => this.#tombstone(kind, key, e.signed.visibility)));
  }

  /**
   * Publishes this node's card as its public node entry and its compact directory entry (§20.7),
   * or withdraws the card (null; the directory entry lapses at its `exp`). Stores nothing while the
   * held card is the same: a card changes when it is re-signed, every half period.
   */
  async publishCard(card: Card | null): Promise<Entry[]> {
    return [...(await this.#publishNodeEntry(card)), ...(card ? await this.#publishDirectoryEntry(card) : [])];
  }

  async #publishDirectoryEntry(card: Card): Promise<Entry[]> {
    const signer = this.#o.signer;
    if (!signer.signEd25519) return [];
    const held = await this.store.slots(this.self, "directory", DIRECTORY_KEY);
    for (const e of held) this.clock.resume(e.signed.hlc);
    const body = await directoryBodyOf(card);
    if (held.some((e) => e.signed.kind === "directory" && canonicalJson(e.signed.body) === canonicalJson(body))) return [];
    const entry = await signDirectoryEntry({ origin: this.self, kind: "directory", key: DIRECTORY_KEY, visibility: "public", tombstone: false, hlc: this.clock.tick(), body }, { nodeId: signer.nodeId, sign: signer.sign, signEd25519: signer.signEd25519 });
    const fates = await this.store.put([entry], null);
    if (fates[0] !== "stored") return [];
    this.#onChange([entry]);
    return [entry];
  }

  async #publishNodeEntry(card: Card | null): Promise<Entry[]> {
    const held = await this.store.slots(this.self, "node", NODE_CARD_KEY);
    for (const e of held) this.clock.resume(e.signed.hlc);
    const current = held.find((e) => !e.signed.tombstone);
    const base = { origin: this.self, kind: "node", key: NODE_CARD_KEY, visibility: "public", tombstone: false } as const;
    if (card === null) return current ? this.#publish([{ ...base, tombstone: true, hlc: this.clock.tick() }]) : [];
    const body = nodeBody.parse({ card });
    if (current && !current.signed.tombstone && canonicalJson(current.signed.body) === canonicalJson(body)) return [];
    return this.#publish([{ ...base, hlc: this.clock.tick(), body }]);
  }

  /** Deletes tombstones past their TTL; returns how many. */
  collect(): Promise<number> {
    return this.store.collect(this.horizon());
  }

  async #held(kind: SlotKind, key: string): Promise<Entry[]> {
    const held = await this.store.slots(this.self, kind, key);
    // Another isolate, or this node before a restart, may have stamped them: stamp after.
    for (const e of held) this.clock.resume(e.signed.hlc);
    return held;
  }

  #tombstone(kind: SlotKind, key: string, visibility: Visibility): UnsignedEntry {
    return { origin: this.self, kind, key, visibility, hlc: this.clock.tick(), tombstone: true } as UnsignedEntry;
  }

  async #publish(unsigned: UnsignedEntry[]): Promise<Entry[]> {
    const entries = await Promise.all(unsigned.map((u) => signEntry(u, this.#o.signer)));
    for (const e of entries) {
      const size = byteLength(e.canonical);
      if (size > this.#o.maxEntryBytes) throw new RangeError(`entry for ${e.signed.key} is ${size} bytes, over the limit of ${this.#o.maxEntryBytes}`);
    }
    const fates = await this.store.put(entries, null);
    const stored = entries.filter((_, i) => fates[i] === "stored");
    if (stored.length > 0) this.#onChange(stored);
    return stored;
  }
}
