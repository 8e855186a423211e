// A recorded history of key-value operations, as a test client sees them: what each client asked,
// when it asked (call) and when it had the answer (return), both on one clock. An operation
// that never returned (a timeout, a crash) has no `return` and no output: it may or may not have
// taken effect. An operation that failed in a way that proves it took no effect is left out.

/** A value as the store holds it; `null` is "no value" (never written, or deleted). */
export type KvValue = string | null;

export type KvInput =
  | { f: "read" }
  | { f: "write"; value: string }
  | { f: "delete" }
  /** Compare-and-set: writes `value` when the key holds `expected`; reports whether it did. */
  | { f: "cas"; expected: KvValue; value: string };

export type KvOutput = { f: "read"; value: KvValue } | { f: "write" } | { f: "delete" } | { f: "cas"; ok: boolean };

export interface KvOperation {
  client: string;
  key: string;
  input: KvInput;
  call: number;
  /** Absent: the client never heard back. */
  return?: number;
  /** Present exactly when `return` is. */
  output?: KvOutput;
}
