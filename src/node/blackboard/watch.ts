// blackboard_watch (protocol §17.7, "Watching"): the keys of a namespace that changed on this node
// after a cursor, each with its merged value now. Stateless: the cursor is the client's, and any
// process of the node answers it. A watch with nothing new waits up to `wait_ms` and answers as
// soon as a delta of the namespace is stored in this process (a local write or one received);
// a write another process stores is seen when the wait ends. Answers are bounded in deltas read
// and in bytes of values; `more` says to ask again at once.
import { z } from "zod";
import { namespaceName } from "../../protocol/blackboard/delta.ts";
import { MAX_KEY_CHARS } from "../../protocol/blackboard/limits.ts";
import { admitCall } from "../access/admission.ts";
import type { Blackboard } from "./board.ts";
import { BlackboardError } from "./errors.ts";
import { viewOf } from "./requests.ts";
import { asTool, BLACKBOARD_WATCH, blackboardRefusal, type BlackboardPorts, type Requester } from "./serve.ts";

/** The longest one watch waits for a change. */
export const MAX_WATCH_MS = 30_000;
/** The most deltas one answer reads, and so the most keys it names. */
export const MAX_WATCH_ITEMS = 100;
/** About the most bytes of values one answer carries (at least one key's, whatever its size). */
export const MAX_WATCH_BYTES = 1024 * 1024;

export const watchArgs = z.strictObject({
  namespace: namespaceName,
  /** Only keys starting with this. */
  prefix: z.string().min(1).max(MAX_KEY_CHARS).optional(),
  /** The last answer's cursor, `<store generation>.<delta row>`; absent: from the first delta this node holds. A bare row is an older node's cursor, refused as stale. */
  cursor: z.string().regex(/^([0-9a-f]{16}\.)?(0|[1-9][0-9]{0,15})$/, "a cursor from an earlier answer").optional(),
  limit: z.number().int().min(1).max(MAX_WATCH_ITEMS).default(MAX_WATCH_ITEMS),
  wait_ms: z.number().int().min(0).max(MAX_WATCH_MS).default(0),
});
export type WatchArgs = z.input<typeof watchArgs>;

export interface WatchAnswer {
  namespace: string;
  /** Where the next watch starts: give it back as `cursor`. */
  cursor: string;
  /** The keys that changed, in the order they last changed here, each once, as `blackboard_get` would read them now. */
  changes: { key: string; value: unknown; stateHash: string }[];
  /** More changes wait past this answer's bounds: watch again at once. */
  more: boolean;
}

/** Resolves when a delta of `namespace` is stored in this process, after `ms`, or on `signal`; whichever comes first. */
function nextStored(board: Blackboard, namespace: string, ms: number, signal: AbortSignal | undefined): { stored: Promise<void>; stop: () => void } {
  let stop = () => {};
  const stored = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const unlisten = board.onStored((d) => {
      if (d.namespace === namespace) resolve();
    });
    const aborted = () => resolve();
    signal?.addEventListener("abort", aborted, { once: true });
    stop = () => {
      clearTimeout(timer);
      unlisten();
      signal?.removeEventListener("abort", aborted);
    };
  });
  return { stored, stop };
}

export async function blackboardWatch(s: BlackboardPorts, who: Requester, input: z.output<typeof watchArgs>, signal?: AbortSignal): Promise<WatchAnswer> {
  const admitted = who === "operator" ? undefined : await admitCall(s, who.caller, asTool(BLACKBOARD_WATCH, input.namespace), who.meta);
  try {
    const { board } = s.blackboard;
    const descriptor = await board.replicated(input.namespace);
    if (descriptor.consistency === "strong") throw new BlackboardError("unsupported_consistency", `${input.namespace} is a strong namespace: its keys live in their homes' logs, which are not watched`);
    const deadline = Date.now() + input.wait_ms;
    const generation = await board.store.generation();
    const [cursorGeneration, row] = input.cursor?.includes(".") ? input.cursor.split(".") : [undefined, input.cursor];
    // Rows are renumbered by a restore: a position from before it could skip changes.
    if (input.cursor !== undefined && cursorGeneration !== generation) throw new BlackboardError("stale_cursor", "this cursor is from another node, or from before this node's store was restored: watch again without a cursor");
    const after = Number(row ?? "0");
    for (;;) {
      // Listening before reading: a delta stored between the read and the wait still wakes it.
      const wake = nextStored(board, input.namespace, Math.max(0, deadline - Date.now()), signal);
      try {
        const page = await board.store.changesSince(input.namespace, after, { limit: input.limit, maxBytes: MAX_WATCH_BYTES, prefix: input.prefix });
        if (page.changes.length > 0 || page.more || Date.now() >= deadline || signal?.aborted) {
          return { namespace: input.namespace, cursor: `${generation}.${page.cursor}`, changes: page.changes.map((c) => ({ key: c.key, value: viewOf(c.value), stateHash: c.stateHash })), more: page.more };
        }
        await wake.stored;
      } finally {
        wake.stop();
      }
    }
  } catch (err) {
    if (err instanceof BlackboardError) throw blackboardRefusal(err);
    throw err;
  } finally {
    if (admitted && who !== "operator") who.caller.defer(admitted.release());
  }
}
