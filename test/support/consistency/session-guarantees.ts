// A checker for two session guarantees (Terry et al., "Session guarantees for weakly consistent
// replicated data", 1994), per client, from the version tokens the system hands out:
// - read your writes: a read that begins after one of the client's own writes has returned sees
//   a version that covers that write;
// - monotonic reads: a read that begins after another read of the client has returned sees a
//   version that covers the earlier read's.
// A write's token is the version it made; a read's, the version of the state it read. `key`
// scopes a check: per key for per-key versions, or one scope (a namespace) for versions that
// cover a whole namespace. When a read's token is exactly some write's, the read must also
// return that write's value: a node cannot pass a stale value off under a fresh token.

export interface Versions<T> {
  /** True when version `a` includes everything version `b` does. */
  covers(a: T, b: T): boolean;
  /** The same version, as text: how a read's token is matched with the write that made it. */
  encode(v: T): string;
}

/** Versions in one total order by their text (HLC stamps, `<hlc>/<writer>`, sequence numbers padded). */
export const orderedVersions: Versions<string> = { covers: (a, b) => a >= b, encode: (v) => v };

/** Version vectors: node → counter; `a` covers `b` when no entry of `b` is ahead of `a`'s. */
export const vectorVersions: Versions<Record<string, number>> = {
  covers: (a, b) => Object.entries(b).every(([node, n]) => (a[node] ?? 0) >= n),
  encode: (v) =>
    JSON.stringify(
      Object.entries(v)
        .filter(([, n]) => n > 0)
        .sort(([x], [y]) => (x < y ? -1 : 1)),
    ),
};

export interface SessionOperation<T> {
  client: string;
  key: string;
  kind: "read" | "write";
  /** Written, or read; `null` for none. */
  value: string | null;
  token: T;
  call: number;
  return: number;
}

export interface SessionViolation<T> {
  guarantee: "read-your-writes" | "monotonic-reads" | "token-value-mismatch";
  client: string;
  key: string;
  /** The read that broke the guarantee. */
  read: SessionOperation<T>;
  /** The write or earlier read it should have covered, or the write its token names. */
  earlier: SessionOperation<T>;
}

/** Every violation in the history; none means both guarantees held for every client. */
export function checkSessions<T>(history: readonly SessionOperation<T>[], versions: Versions<T>): SessionViolation<T>[] {
  const violations: SessionViolation<T>[] = [];
  const writeByToken = new Map<string, SessionOperation<T>>();
  for (const op of history) {
    if (op.return < op.call) throw new Error(`operation of ${op.client} on ${op.key} returns before its call`);
    if (op.kind === "write") writeByToken.set(`${op.key}\n${versions.encode(op.token)}`, op);
  }
  const byClient = new Map<string, SessionOperation<T>[]>();
  for (const op of history) byClient.set(`${op.client}\n${op.key}`, [...(byClient.get(`${op.client}\n${op.key}`) ?? []), op]);

  for (const ops of byClient.values()) {
    for (const read of ops) {
      if (read.kind !== "read") continue;
      for (const earlier of ops) {
        if (earlier === read || earlier.return >= read.call) continue;
        if (versions.covers(read.token, earlier.token)) continue;
        violations.push({ guarantee: earlier.kind === "write" ? "read-your-writes" : "monotonic-reads", client: read.client, key: read.key, read, earlier });
      }
    }
  }
  for (const read of history) {
    if (read.kind !== "read") continue;
    const write = writeByToken.get(`${read.key}\n${versions.encode(read.token)}`);
    if (write && write.value !== read.value) violations.push({ guarantee: "token-value-mismatch", client: read.client, key: read.key, read, earlier: write });
  }
  return violations;
}
