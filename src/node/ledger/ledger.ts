// One node's ledger: every record it takes, from its own calls or from a peer, is verified here
// before it is stored. A record that fails verification is refused and flagged, and never touches
// a held record or a balance; a validly signed record that contradicts a held one disputes it.
import { canonicalJson } from "../../protocol/registry/entry.ts";
import { canonicalRecord, receivedText, record, withoutCountersign } from "../../protocol/ledger/record.ts";
import type { LedgerRepository, PutOutcome } from "../../store/ledger.ts";
import { verifyCountersign, verifyRecord, type LedgerVerifier, type Verdict } from "../../protocol/ledger/signing.ts";

export type Rejection = Exclude<Verdict, "valid" | "pending"> | "not_a_party";
export type ReceiveOutcome = { outcome: PutOutcome } | { outcome: "rejected"; reason: Rejection };

export interface LedgerOptions {
  /** This node's id. */
  self: string;
  verifier: LedgerVerifier;
  repository: LedgerRepository;
}

export class Ledger {
  constructor(private readonly o: LedgerOptions) {}

  get repository(): LedgerRepository {
    return this.o.repository;
  }

  /** This node's id. */
  get self(): string {
    return this.o.self;
  }

  get verifier(): LedgerVerifier {
    return this.o.verifier;
  }

  /**
   * Verifies and stores a record: this node's own (source null) or one a peer sent (source its
   * authenticated node id, which must be the record's other party).
   */
  async receive(input: unknown, source: string | null): Promise<ReceiveOutcome> {
    const parsed = record.safeParse(input);
    const held = parsed.success && source !== null ? await this.o.repository.get(parsed.data.intent.id) : undefined;
    // What is held was verified when it was stored: a resend changes nothing, and a countersignature
    // completing a held pending record is the one new signature to check.
    if (held && parsed.success && held.peer === source && held.record === canonicalRecord(parsed.data)) return { outcome: "duplicate" };
    const completes =
      parsed.success &&
      parsed.data.sigs.countersign !== undefined &&
      held?.status === "pending" &&
      held.peer === source &&
      held.record === canonicalRecord(withoutCountersign(parsed.data));
    const verdict = completes ? await verifyCountersign(this.o.verifier, parsed.data) : await verifyRecord(this.o.verifier, input);
    if (completes && verdict === "valid" && (await this.o.repository.complete(parsed.data))) return { outcome: "confirmed" };
    const id = parsed.success ? parsed.data.intent.id : null;
    const text = parsed.success ? canonicalJson(parsed.data) : receivedText(input);
    if ((verdict !== "valid" && verdict !== "pending") || !parsed.success) {
      const reason = verdict === "valid" || verdict === "pending" ? "malformed" : verdict;
      await this.o.repository.flag(id, source, reason, text);
      return { outcome: "rejected", reason };
    }
    const r = parsed.data;
    const { consumer, provider } = r.intent;
    const party = consumer === this.o.self ? provider : provider === this.o.self ? consumer : undefined;
    if (party === undefined || (source !== null && source !== party)) {
      await this.o.repository.flag(id, source, "not_a_party", text);
      return { outcome: "rejected", reason: "not_a_party" };
    }
    return { outcome: await this.o.repository.put(r, verdict === "valid" ? "confirmed" : "pending", source) };
  }
}
