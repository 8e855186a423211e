// A bound on waiting for other nodes: one slow or silent node must not hold a lookup or a search.
import { PeerRequestError } from "../federation-client/errors.ts";

/** The answer, or a timeout refusal after `ms` (the work itself goes on, its result unused). */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PeerRequestError("timeout", `no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
