// POST /federation/v1/index (docs/protocol.md §20.2): `index-publish` hands records to a node
// responsible for their keys, `index-lookup` asks one for the records it holds under some keys
// and, in the iterative (Kademlia) structure, for the nodes it knows closer to them.
import { z } from "zod";
import { nodeId } from "../identity/node-id.ts";
import { entryKey } from "../registry/entry.ts";
import { indexKey } from "./record.ts";

export const MAX_PUBLISHED_RECORDS = 64;
export const MAX_LOOKUP_KEYS = 8;
export const MAX_ANSWERED_RECORDS = 128;
export const MAX_CLOSER_NODES = 20;

export const indexPublishRequest = z.strictObject({
  type: z.literal("index-publish"),
  /** Each is checked on its own by the receiver (schema, size, expiry, signature, responsibility, quota). */
  records: z.array(z.unknown()).min(1).max(MAX_PUBLISHED_RECORDS),
});
export const indexRefusal = z.enum(["malformed", "too_large", "expired", "too_long", "bad_signature", "unknown_origin", "not_origin", "not_responsible", "quota", "stale"]);
export type IndexRefusal = z.infer<typeof indexRefusal>;
export const indexPublishResult = z.strictObject({
  type: z.literal("index-publish"),
  stored: z.number().int().min(0).max(MAX_PUBLISHED_RECORDS),
  refused: z.array(z.strictObject({ index: z.number().int().min(0).max(MAX_PUBLISHED_RECORDS - 1), reason: indexRefusal })).max(MAX_PUBLISHED_RECORDS),
});

export const indexLookupRequest = z.strictObject({
  type: z.literal("index-lookup"),
  keys: z.array(indexKey).min(1).max(MAX_LOOKUP_KEYS),
  /** Ask for nodes closer to the keys than the receiver (iterative lookup); omitted in the rendezvous structure. */
  closer: z.literal(true).optional(),
});
export const closerNode = z.strictObject({ id: nodeId, url: z.url({ protocol: /^https?$/ }).max(2048) });
export type CloserNode = z.infer<typeof closerNode>;
export const indexLookupResult = z.strictObject({
  type: z.literal("index-lookup"),
  /** Unverified as sent: the asker checks each against its origin's key. */
  records: z.array(z.unknown()).max(MAX_ANSWERED_RECORDS),
  closer: z.array(closerNode).max(MAX_CLOSER_NODES).optional(),
});

/** Entries asked at once: 8 of at most 64 KiB each stay well inside an answer's 1 MiB. */
export const MAX_ENTRIES_ASKED = 8;

/** Asked of an origin a lookup found: the signed registry entries (§7) of its public tools under these keys, to call them. */
export const indexEntriesRequest = z.strictObject({
  type: z.literal("index-entries"),
  keys: z.array(entryKey).min(1).max(MAX_ENTRIES_ASKED),
});
export const indexEntriesResult = z.strictObject({
  type: z.literal("index-entries"),
  /** Unverified as sent: the asker takes them as gossip's, checked against the origin's card. */
  entries: z.array(z.unknown()).max(MAX_ENTRIES_ASKED),
});

export const indexRequest = z.discriminatedUnion("type", [indexPublishRequest, indexLookupRequest, indexEntriesRequest]);
export type IndexRequest = z.infer<typeof indexRequest>;
export type IndexPublishRequest = z.infer<typeof indexPublishRequest>;
export type IndexPublishResult = z.infer<typeof indexPublishResult>;
export type IndexLookupRequest = z.infer<typeof indexLookupRequest>;
export type IndexLookupResult = z.infer<typeof indexLookupResult>;
export type IndexEntriesRequest = z.infer<typeof indexEntriesRequest>;
export type IndexEntriesResult = z.infer<typeof indexEntriesResult>;
