// How a refusal vector's envelope is opened (test/vectors/refusals.json, `open` and each case's
// `with`): shared by the script that writes the vectors, the test that checks them, and the
// workerd test worker. Pure: it imports only the protocol core, so the worker can bundle it.
import type { KemKey, OpenOptions, ReplayGuard } from "../../src/protocol/envelope/open.ts";
import type { CompositeVerifier } from "../../src/protocol/identity/composite.ts";
import type { Primitives } from "../../src/protocol/identity/primitives.ts";

export interface OpenWith {
  now: number;
  skew: number;
  method: string;
  path: string;
  maxBytes: number;
  versions: string[];
  /** The version the recipient agreed on with the sender at hello. */
  senderVersion: string;
  /** Whether the recipient has already accepted this envelope's (from, jti). */
  seen: boolean;
}

/** The opener's options for a recipient holding `kem`, with the sender known by `verifier`. */
export function openOptions(o: OpenWith, r: { nodeId: string; kem: KemKey; primitives: Primitives; verifier: CompositeVerifier; replay: ReplayGuard }): OpenOptions {
  return {
    self: { nodeId: r.nodeId, keys: { find: async (kid) => (kid === r.kem.keyId ? r.kem : undefined) }, primitives: r.primitives },
    sender: async () => ({ verifier: r.verifier, version: o.senderVersion }),
    replay: r.replay,
    now: o.now,
    skew: o.skew,
    method: o.method,
    path: o.path,
    maxBytes: o.maxBytes,
    versions: o.versions,
  };
}
