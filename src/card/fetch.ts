// Reading another node's card from its /.well-known/mcpfed, through the SSRF guard, and
// verifying it.
import { readLimited } from "../guards/limited-body.ts";
import { fetchNoRedirect, unsafeUrlReason } from "../guards/ssrf.ts";
import type { Primitives } from "../identity/primitives.ts";
import { CARD_PATH, MAX_CARD_BYTES } from "./schema.ts";
import { CardError, verifyCard, type VerifiedCard } from "./verify.ts";

const TIMEOUT_MS = 10_000;

export class CardFetchError extends Error {
  override name = "CardFetchError";
}

export interface FetchCardOptions {
  primitives: Primitives;
  allowPrivate: boolean;
  now: number;
  skew: number;
}

/** The verified card of the node at `url`'s origin. Throws CardFetchError or CardError. */
export async function fetchCard(url: string, o: FetchCardOptions): Promise<VerifiedCard> {
  const reason = unsafeUrlReason(url, o.allowPrivate);
  if (reason) throw new CardFetchError(`${url}: ${reason}`);
  const cardUrl = new URL(CARD_PATH, url).href;
  let res: Response;
  try {
    res = await fetchNoRedirect(cardUrl, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new CardFetchError(`cannot fetch ${cardUrl}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) {
    void res.body?.cancel();
    throw new CardFetchError(`${cardUrl} answered HTTP ${res.status}`);
  }
  const bytes = await readLimited(res, MAX_CARD_BYTES);
  if (bytes === undefined) throw new CardFetchError(`${cardUrl}: the card is larger than ${MAX_CARD_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new CardError("malformed", `${cardUrl} did not answer with JSON`);
  }
  return verifyCard(raw, o);
}
