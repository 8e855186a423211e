// Reading another node's card from its /.well-known/mcpfed, through the outbound guard, and
// verifying it.
import type { Outbound } from "../outbound/outbound.ts";
import { unsafeUrlReason } from "../outbound/ssrf.ts";
import type { Primitives } from "../../protocol/identity/primitives.ts";
import { CARD_PATH, MAX_CARD_BYTES } from "../../protocol/card/schema.ts";
import { CardError, verifyCard, type VerifiedCard } from "../../protocol/card/verify.ts";

const TIMEOUT_MS = 10_000;

export class CardFetchError extends Error {
  override name = "CardFetchError";
}

export interface FetchCardOptions {
  primitives: Primitives;
  outbound: Outbound;
  now: number;
  skew: number;
}

/** The verified card of the node at `url`'s origin. Throws CardFetchError or CardError. */
export async function fetchCard(url: string, o: FetchCardOptions): Promise<VerifiedCard> {
  const reason = unsafeUrlReason(url, o.outbound.allowPrivate);
  if (reason) throw new CardFetchError(`${url}: ${reason}`);
  const cardUrl = new URL(CARD_PATH, url).href;
  let raw: unknown;
  try {
    raw = await o.outbound.getJson(cardUrl, { maxBytes: MAX_CARD_BYTES, timeoutMs: TIMEOUT_MS });
  } catch (err) {
    if (err instanceof SyntaxError) throw new CardError("malformed", `${cardUrl} did not answer with JSON`);
    throw new CardFetchError(`cannot fetch ${cardUrl}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return verifyCard(raw, o);
}
