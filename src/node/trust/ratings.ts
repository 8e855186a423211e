// A tool's rating as this node sees it: the raters' stars weighed by this node's trust in each
// rater, counting only ratings whose proof (a confirmed ledger record of the rater's call to the
// tool) verifies with both parties' cards. A rater without standing weighs nothing, so its proof
// is not even checked: a flood of ratings from Sybils costs a read, never a signature check.
import { verifyRecord, type LedgerVerifier } from "../../protocol/ledger/signing.ts";
import { ratingBody } from "../../protocol/registry/trust-entries.ts";
import type { Database } from "../../store/database.ts";
import { liveTrustEntries } from "../../store/trust-entries.ts";
import { storedScoresOf } from "../../store/trust-scores.ts";

/** Ratings shown one by one, the weightiest first; the mean counts them all. */
const SHOWN = 20;
/** Proof verdicts kept per isolate, by entry id: an entry's proof never changes. */
const VERDICTS = 4096;

export type RatingRefusal = "no_standing" | "unverified_proof" | "malformed";

export interface RatingView {
  rater: string;
  stars: number;
  fingerprint: string;
  text?: string;
  /** The rater's trust score: the weight of its stars. */
  weight: number;
  counted: boolean;
  reason?: RatingRefusal;
}

export interface ToolRating {
  /** `<origin>/<upstream>/<tool>`. */
  tool: string;
  /** The trust-weighted mean of the counted stars, two decimals; null when none counts. */
  stars: number | null;
  counted: number;
  ignored: number;
  ratings: RatingView[];
}

export class ToolRatings {
  #verdicts = new Map<string, boolean>();

  constructor(private readonly p: { db: Database; self: string; verifier: LedgerVerifier }) {}

  async #proven(id: string, proof: unknown): Promise<boolean> {
    const held = this.#verdicts.get(id);
    if (held !== undefined) return held;
    const ok = (await verifyRecord(this.p.verifier, proof)) === "valid";
    if (this.#verdicts.size >= VERDICTS) this.#verdicts.clear();
    this.#verdicts.set(id, ok);
    return ok;
  }

  async of(tool: string): Promise<ToolRating> {
    const origin = tool.slice(0, tool.indexOf("/"));
    const held = (await liveTrustEntries(this.p.db, "rating", { subject: origin })).filter((e) => e.key === tool);
    const scores = await storedScoresOf(this.p.db, held.map((h) => h.origin));
    const views: RatingView[] = [];
    let sum = 0;
    let weight = 0;
    for (const h of held) {
      const body = ratingBody.safeParse(h.body);
      if (!body.success) {
        views.push({ rater: h.origin, stars: 0, fingerprint: "", weight: 0, counted: false, reason: "malformed" });
        continue;
      }
      const b = body.data;
      const w = h.origin === this.p.self ? 1 : (scores.get(h.origin)?.score ?? 0);
      const view: RatingView = { rater: h.origin, stars: b.stars, fingerprint: b.fingerprint, ...(b.text ? { text: b.text } : {}), weight: w, counted: false };
      if (w <= 0) view.reason = "no_standing";
      else if (!(await this.#proven(h.id, b.proof))) view.reason = "unverified_proof";
      else {
        view.counted = true;
        sum += w * b.stars;
        weight += w;
      }
      views.push(view);
    }
    views.sort((a, b) => Number(b.counted) - Number(a.counted) || b.weight - a.weight || (a.rater < b.rater ? -1 : 1));
    const counted = views.filter((v) => v.counted).length;
    return { tool, stars: weight > 0 ? Math.round((sum / weight) * 100) / 100 : null, counted, ignored: views.length - counted, ratings: views.slice(0, SHOWN) };
  }
}
