// The bounds every blackboard delta and value keeps (protocol "Blackboard values and deltas").
// A receiver checks them before it trusts a byte; a writer checks them before it signs.

/** `<creator node id>/<name>`: a namespace is named by the node that created it. */
export const NAMESPACE_NAME = "[a-z0-9][a-z0-9._-]{0,63}";
/** A key: 1–256 UTF-16 code units (JavaScript string length), no control characters. */
export const MAX_KEY_CHARS = 256;
/** A register's value, canonical JSON in UTF-8. */
export const MAX_VALUE_BYTES = 16 * 1024;
/** How deep a whole delta may nest (objects and arrays), its value included. */
export const MAX_DELTA_DEPTH = 20;
/** A set element: 1–256 UTF-16 code units. */
export const MAX_ELEMENT_CHARS = 256;
/**
 * The dots one writer may hold in one set: its adds, and separately its removes. Past that a
 * writer's latest dots are dropped (deterministically, by every replica alike); a writer refuses
 * the operation first, so an honest one never gets there.
 */
export const MAX_DOTS_PER_WRITER = 1024;
/** A map's fields: names of 1–128 characters, at most 256 of them (the smallest names are kept). */
export const MAX_FIELD_CHARS = 128;
export const MAX_MAP_FIELDS = 256;
/** The largest count or amount: the integers every JSON reader holds exactly. */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
/** A whole signed delta, canonical JSON in UTF-8. */
export const MAX_DELTA_BYTES = 64 * 1024;
