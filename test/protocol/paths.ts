// The implementation paths every crypto test runs on: all-noble, and what this runtime picks
// (on Node 20: noble post-quantum with WebCrypto Ed25519/X25519; on Node 24: all WebCrypto).
// test/runtimes/native.test.ts runs these tests again under Node 24 with MCPFED_REQUIRE_NATIVE=1.
import { readFileSync } from "node:fs";
import { describe as label, noble, primitives, type Primitives } from "../../src/protocol/identity/primitives.ts";

const chosen = await primitives();
const allNative = [chosen.mlDsa65, chosen.ed25519, chosen.mlKem768, chosen.x25519].every((a) => a.impl === "native");
if (process.env.MCPFED_REQUIRE_NATIVE === "1" && !allNative) {
  throw new Error(`MCPFED_REQUIRE_NATIVE=1 but this runtime (${process.version}) picked: ${label(chosen)}`);
}

export const PATHS: [string, Primitives][] = [
  ["noble", noble],
  [allNative ? "native" : `runtime (${label(chosen)})`, chosen],
];

export function vector<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8")) as T;
}
