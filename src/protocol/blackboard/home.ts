// The home of a key under strong consistency: chosen by rendezvous hashing (Thaler and Ravishankar,
// "Using name-based mappings to increase hit rates", 1998) among the namespace's replicas. Every
// replica computes the same home from the signed replica list alone, with no coordination, and
// changing the list moves only the keys whose home joined or left.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { utf8 } from "../encoding/bytes.ts";

const HOME_LABEL = "mcpfed/1 blackboard-home";

/** The replica's score for a key: the highest score is the home. Fields are NUL-separated; none can hold a NUL. */
export function homeScore(namespace: string, key: string, replica: string): string {
  return bytesToHex(sha256(utf8(`${HOME_LABEL}\0${namespace}\0${key}\0${replica}`)));
}

/** The home of `key` among `replicas` (at least one). */
export function homeOf(namespace: string, key: string, replicas: readonly string[]): string {
  if (replicas.length === 0) throw new RangeError("a namespace has at least one replica");
  let best = replicas[0]!;
  let bestScore = homeScore(namespace, key, best);
  for (const r of replicas.slice(1)) {
    const score = homeScore(namespace, key, r);
    if (score > bestScore || (score === bestScore && r > best)) [best, bestScore] = [r, score];
  }
  return best;
}
