// One node's ledger: every record it takes, from its own calls or from a peer, is verified here
// before it is stored. A record that fails verification is refused and flagged, and never touches
// a held record or a balance; a validly signed record that contradicts a held one disputes it.
// Its store and its keys are its own: nothing else writes a record or judges a signature on one.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { acceptIntent, acceptPurchase, type Acceptance, type Offer, type PurchaseAcceptance } from "../../protocol/ledger/acceptance.ts";
import { coveringGrant } from "../../protocol/ledger/grant.ts";
import { canonicalRecord, receivedText, record, withoutCountersign, type LedgerRecord, type SignedIntent } from "../../protocol/ledger/record.ts";
import type { ReconcileItem } from "../../protocol/reconciliation.ts";
import type { Balance, Flag, Kind, LedgerRepository, PutOutcome, Status, StoredRecord } from "../../store/ledger.ts";
import { entryKind } from "../../protocol/ledger/entry.ts";
import { receiveEntry, type EntryRejection } from "./entries.ts";
import { obligationOf, type Obligation } from "./obligations.ts";
import { countersign, signReceipt, verifyCountersign, verifyIntent, verifyRecord, type LedgerSigner, type LedgerVerifier, type Outcome, type Verdict } from "../../protocol/ledger/signing.ts";

export type { Balance, Flag, Kind, Obligation, Status, StoredRecord };
export type Rejection = Exclude<Verdict, "valid" | "pending"> | "not_a_party" | EntryRejection;
/** `void`: a valid set-off of amount 0, which certifies a round's prices but is not stored (§16). */
export type ReceiveOutcome = { outcome: PutOutcome | "void" } | { outcome: "rejected"; reason: Rejection };

export interface LedgerOptions {
  /** This node's id. */
  self: string;
  verifier: LedgerVerifier;
  repository: LedgerRepository;
  /** Told what each record became: a status it reached (pending, confirmed), duplicate, disputed or rejected (the node's metrics). */
  onRecord?: (outcome: PutOutcome | "void" | "rejected" | "pending") => void;
}

export class Ledger {
  readonly #repository: LedgerRepository;
  readonly #verifier: LedgerVerifier;
  /** Intents this ledger's acceptIntent or acceptPurchase verified: a receipt over one needs no second check. */
  readonly #accepted = new WeakSet<SignedIntent>();
  readonly #onRecord: NonNullable<LedgerOptions["onRecord"]>;
  /** This node's id. */
  readonly self: string;

  constructor(o: LedgerOptions) {
    this.#repository = o.repository;
    this.#verifier = o.verifier;
    this.self = o.self;
    this.#onRecord = o.onRecord ?? (() => {});
  }

  /**
   * Verifies and stores a record: this node's own (source null) or one a peer sent (source its
   * authenticated node id, which must be the record's other party).
   */
  async receive(input: unknown, source: string | null): Promise<ReceiveOutcome> {
    const received = await this.#receive(input, source);
    this.#onRecord(received.outcome);
    return received;
  }

  async #receive(input: unknown, source: string | null): Promise<ReceiveOutcome> {
    const kind = entryKind(input);
    if (kind === "set-off" || kind === "settlement") return receiveEntry({ self: this.self, verifier: this.#verifier, repository: this.#repository }, kind, input, source);
    const parsed = record.safeParse(input);
    // The usual case, a consumer's countersignature for a record this node holds pending from it:
    // the signature is checked, then the conditional update finds the held pending record equal to
    // the countersigned one without its countersignature, with no read before it. Anything else
    // (a resend, a record not held, a dispute) takes the full path below.
    if (parsed.success && source !== null && parsed.data.intent.provider === this.self && parsed.data.intent.consumer === source && parsed.data.sigs.countersign !== undefined) {
      if ((await verifyCountersign(this.#verifier, parsed.data)) === "valid" && (await this.#repository.complete(parsed.data, source))) return { outcome: "confirmed" };
    }
    const held = parsed.success && source !== null ? await this.#repository.get(parsed.data.intent.id) : undefined;
    // What is held was verified when it was stored: a resend changes nothing, and a countersignature
    // completing a held pending record is the one new signature to check.
    if (held && parsed.success && held.peer === source && held.record === canonicalRecord(parsed.data)) return { outcome: "duplicate" };
    const completes =
      parsed.success &&
      parsed.data.sigs.countersign !== undefined &&
      held?.status === "pending" &&
      held.peer === source &&
      held.record === canonicalRecord(withoutCountersign(parsed.data));
    const verdict = completes ? await verifyCountersign(this.#verifier, parsed.data) : await verifyRecord(this.#verifier, input);
    if (completes && verdict === "valid" && (await this.#repository.complete(parsed.data))) return { outcome: "confirmed" };
    const id = parsed.success ? parsed.data.intent.id : null;
    const text = parsed.success ? canonicalJson(parsed.data) : receivedText(input);
    if ((verdict !== "valid" && verdict !== "pending") || !parsed.success) {
      const reason = verdict === "valid" || verdict === "pending" ? "malformed" : verdict;
      await this.#repository.flag(id, source, reason, text);
      return { outcome: "rejected", reason };
    }
    const r = parsed.data;
    const { consumer, provider } = r.intent;
    const party = consumer === this.self ? provider : provider === this.self ? consumer : undefined;
    if (party === undefined || (source !== null && source !== party)) {
      await this.#repository.flag(id, source, "not_a_party", text);
      return { outcome: "rejected", reason: "not_a_party" };
    }
    return { outcome: await this.#repository.put(r, verdict === "valid" ? "confirmed" : "pending", source) };
  }

  /** Keeps what a peer sent for record `id` that this node refused (a bad receipt or grant), for the operator. */
  async flag(id: string, peer: string, reason: string, received: unknown): Promise<void> {
    await this.#repository.flag(id, peer, reason, receivedText(received));
  }

  /** The provider's check of a consumer's intent against the tool as shared now. */
  async acceptIntent(input: unknown, offer: Offer): Promise<Acceptance> {
    const accepted = await acceptIntent(this.#verifier, input, offer);
    if (accepted.ok) this.#accepted.add(accepted.intent);
    return accepted;
  }

  /** The provider's check of a subscription purchase. */
  async acceptPurchase(input: { intent: unknown; grant: unknown }, offer: Omit<Offer, "grant"> & { skewMs: number }): Promise<PurchaseAcceptance> {
    const accepted = await acceptPurchase(this.#verifier, input, offer);
    if (accepted.ok) this.#accepted.add(accepted.intent);
    return accepted;
  }

  /**
   * The provider signs its receipt over an intent this ledger accepted and stores the record
   * pending, before it is sent: a crash after this leaves a pending record, never a lost one.
   * The intent's signatures were checked on acceptance and the receipt's is this node's own, so
   * nothing is verified twice; an intent that did not come through acceptance is refused.
   */
  async receipt(signer: LedgerSigner, intent: SignedIntent, outcome: Outcome): Promise<LedgerRecord> {
    if (!this.#accepted.has(intent)) throw new Error("a receipt is signed only over an intent this ledger accepted");
    const signed = await signReceipt(signer, intent, outcome);
    await this.#repository.put(signed, "pending", null);
    this.#onRecord("pending");
    return signed;
  }

  /** Whether `s` is an intent this node signed as its consumer, come back from the provider it names. */
  async signedOwnIntent(s: SignedIntent): Promise<boolean> {
    return s.intent.consumer === this.self && (await verifyIntent(this.#verifier, s.intent.provider, s)) === "valid";
  }

  /** The consumer's check of a grant it bought: the grant's id when the provider signed it and it covers the call. */
  coveringGrant(input: unknown, call: Parameters<typeof coveringGrant>[2]): Promise<string | undefined> {
    return coveringGrant(this.#verifier, input, call);
  }

  /**
   * The consumer checks a provider's receipt for the intent it sent, countersigns it and stores
   * the record confirmed; throws ReceiptRejected, storing nothing.
   */
  async countersign(signer: LedgerSigner, sent: SignedIntent, received: unknown, elapsedMs: number): Promise<LedgerRecord> {
    const completed = await countersign(signer, this.#verifier, sent, received, elapsedMs);
    await this.#repository.put(completed, "confirmed", null);
    this.#onRecord("confirmed");
    return completed;
  }

  get(id: string): Promise<StoredRecord | undefined> {
    return this.#repository.get(id);
  }

  /** The held records among `ids`, by id. */
  getMany(ids: readonly string[]): Promise<Map<string, StoredRecord>> {
    return this.#repository.getMany(ids);
  }

  /** Records still waiting for a countersignature, oldest first. */
  pending(): Promise<StoredRecord[]> {
    return this.#repository.pending();
  }

  /** Says why pending records are still pending, for the operator; their status does not change. */
  note(ids: string[], reason: string): Promise<void> {
    return this.#repository.note(ids, reason);
  }

  /** Counts one more unanswered ask for each of these pending records; returns those that reached `max`. */
  countAsks(ids: string[], max: number): Promise<StoredRecord[]> {
    return this.#repository.countAsks(ids, max);
  }

  /** Gives up on a pending record its consumer never countersigned: it is disputed, for the operator. */
  abandon(r: StoredRecord, reason: string): Promise<void> {
    return this.#repository.dispute(r.id, reason, null, r.record);
  }

  list(filter?: { status?: Status; peer?: string; kind?: Kind; limit?: number }): Promise<StoredRecord[]> {
    return this.#repository.list(filter);
  }

  flags(): Promise<Flag[]> {
    return this.#repository.flags();
  }

  balances(): Promise<Balance[]> {
    return this.#repository.balances();
  }

  /**
   * The obligation between this node and `peer` in `unit` from confirmed records of every kind
   * completed by `asOf` (§16); null when they are even. Both parties holding the same records
   * compute the same value, digest included.
   */
  async obligationWith(peer: string, unit: string, asOf: number): Promise<Obligation | null> {
    return obligationOf(this.self, peer, unit, asOf, await this.#repository.netRows(peer, unit, asOf));
  }

  /** What `peer` owes this node in `unit`, pending records of calls this node served included. */
  owedBy(peer: string, unit: string): Promise<number> {
    return this.#repository.owedBy(peer, unit);
  }

  /** What this node holds of its calls with `peer`, as reconciliation's items. */
  items(peer: string): Promise<ReconcileItem[]> {
    return this.#repository.items(peer);
  }

  /** Held records with `peer` whose hash starts with one of the prefixes, as canonical text. */
  byHashPrefix(peer: string, prefixes: string[]): Promise<string[]> {
    return this.#repository.byHashPrefix(peer, prefixes);
  }
}
