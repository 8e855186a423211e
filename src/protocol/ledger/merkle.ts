// The Merkle tree of RFC 9162 (Certificate Transparency 2.0) §2.1, over SHA-256: the tree hash of
// a list of leaves, the inclusion path of one leaf, and the check of a path against a root. A
// checkpoint (checkpoint.ts) signs such a root over the records it covers.
import { sha256 } from "@noble/hashes/sha2.js";
import { concat } from "../encoding/bytes.ts";

const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

export const leafHash = (data: Uint8Array): Uint8Array => sha256(concat(LEAF, data));
const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(concat(NODE, left, right));

/** The largest power of two smaller than n (n > 1): where RFC 9162 splits a tree. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes already computed (RFC 9162 §2.1.1); the empty tree hashes to SHA-256(""). */
export function treeHash(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}

/** PATH(m, D[n]) (RFC 9162 §2.1.3.1): the sibling hashes from leaf m up to the root. */
export function inclusionPath(leaves: readonly Uint8Array[], m: number): Uint8Array[] {
  if (!Number.isInteger(m) || m < 0 || m >= leaves.length) throw new RangeError(`leaf ${m} is not in a tree of ${leaves.length}`);
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...inclusionPath(leaves.slice(0, k), m), treeHash(leaves.slice(k))] : [...inclusionPath(leaves.slice(k), m - k), treeHash(leaves.slice(0, k))];
}

/** RFC 9162 §2.1.3.2: does `path` lead from the leaf hash at `index` of a tree of `size` leaves to `root`? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (p.length !== 32 || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.length === root.length && r.every((b, i) => b === root[i]);
}
