// What every vector module shares: the primitives that can take fixed randomness, fixed byte
// patterns, and the one way a vector file is written.
import canonicalize from "canonicalize";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble, type Primitives } from "../../src/protocol/identity/primitives.ts";
import type { Party } from "./composite.ts";

export const dir = fileURLToPath(new URL("../../test/vectors/", import.meta.url));
export const p: Primitives = { ...noble, mlDsa65: deterministicMlDsa65 };
export const counting = (start: number, length = 32) => Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
export const b64 = toBase64url;
export const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Writes `name` (a path under test/vectors/) as indented JSON. */
export function write(name: string, body: unknown): void {
  mkdirSync(dirname(`${dir}${name}`), { recursive: true });
  writeFileSync(`${dir}${name}`, `${JSON.stringify(body, null, 2)}\n`);
}

/** Refuses to write vectors the code disagrees with: the expectation is stated, then checked. */
export function agree(what: string, expected: unknown, got: unknown): void {
  if (canonicalize(expected) !== canonicalize(got)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, the code gives ${JSON.stringify(got)}`);
}

/** Verifies composite signatures by the given parties only (an entry or ledger verifier). */
export function verifierOf(known: Party[]) {
  const keys = new Map(known.map((k) => [k.key.nodeId, b64(k.key.signer.publicKey)]));
  return {
    async keyOf(node: string) {
      const pub = keys.get(node);
      if (!pub) return undefined;
      const key = await signingKey(p, pub);
      return { verify: (message: Uint8Array, signature: Uint8Array, context: string) => key.verify(signature, message, context) };
    },
  };
}

/** The signature with one bit flipped at `at` (negative: from the end). */
export function flipped(sig: string, at = -1): string {
  const bytes = fromBase64url(sig);
  bytes[at < 0 ? bytes.length + at : at]! ^= 0x01;
  return toBase64url(bytes);
}
