// The forwarding entry (protocol §12.6.1): a forwarder's signed claim of the nodes it passes
// forwarded envelopes on to (its active peers), published as a registry entry of kind
// `forwarding`, so that a consumer asks first the forwarders that claim to reach the origin and
// does not tell the others whom it calls. A claim is a hint: a forwarder that claims a node it no
// longer reaches answers `unknown_destination`, and the consumer tries the next.
import { z } from "zod";
import { nodeId } from "./node-id.ts";

export const FORWARDING_ENTRY_VERSION = 1;
/** The one key of a forwarding entry: a node makes one claim, replaced as its peers change. */
export const FORWARDING_KEY = "forwarding" as const;
/** Destinations one entry names at most: 400 ids of 128 characters (about 52 KB) and a composite signature stay under the entry bound (64 KiB). */
export const MAX_FORWARDING_DESTINATIONS = 400;

export const forwardingBody = z.strictObject({
  v: z.literal(FORWARDING_ENTRY_VERSION),
  /** Node ids in ascending code-unit order, each once: one claim has one form. */
  destinations: z
    .array(nodeId)
    .max(MAX_FORWARDING_DESTINATIONS)
    .refine((ids) => ids.every((id, i) => i === 0 || ids[i - 1]! < id), "ascending, each id once"),
});
export type ForwardingBody = z.infer<typeof forwardingBody>;

/** The body claiming `destinations` (any order, repeats dropped), the origin itself left out; the first ids in order when there are more than fit. */
export function forwardingBodyOf(origin: string, destinations: Iterable<string>): ForwardingBody {
  const ids = [...new Set(destinations)].filter((id) => id !== origin).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return forwardingBody.parse({ v: FORWARDING_ENTRY_VERSION, destinations: ids.slice(0, MAX_FORWARDING_DESTINATIONS) });
}
