// The provider's anonymous entrance (docs/protocol.md §13): an Oblivious HTTP gateway to this
// node's own public tools. It opens the encapsulated request with this node's current or
// previous X-Wing key, reads the Binary HTTP request inside, and runs the call under a pseudonym
// derived from the request's encapsulated key, which names no one. Private calls reach it through
// a relay, anonymous ones from an onion exit; it cannot tell which, and does not need to.
import { sha256 } from "@noble/hashes/sha2.js";
import { toBase64url } from "../../../protocol/encoding/bytes.ts";
import type { ReplayGuard } from "../../../protocol/envelope/open.ts";
import { anonymousAnswerResponse, readAnonymousCall, type AnonymousAnswer } from "../../../protocol/routes/ohttp/anonymous-call.ts";
import { BinaryHttpError, decodeRequest, encodeResponse } from "../../../protocol/routes/ohttp/binary-http.ts";
import { decapsulateRequest } from "../../../protocol/routes/ohttp/encapsulation.ts";
import { GatewayError } from "../../../protocol/routes/ohttp/errors.ts";
import { PaddingError } from "../../../protocol/routes/ohttp/padding.ts";
import { ohttpKeyId } from "../../../protocol/routes/ohttp/key-config.ts";
import type { LocalIdentity } from "../../identity/local.ts";
import type { Config } from "../../settings/config.ts";
import { log } from "../../logging/log.ts";
import { runAnonymousCall, type AnonymousExecutionPorts, type AnonymousRun } from "./anonymous-execution.ts";

export type GatewayPorts = AnonymousExecutionPorts & {
  identity: () => Promise<LocalIdentity>;
  replay: ReplayGuard;
  now: () => number;
  config: Pick<Config, "clockSkewSeconds" | "maxBodyBytes">;
};

/** The replay cache's "sender" for gateway requests: no node id is ever one. */
const REPLAY_SENDER = "ohttp-gateway";

/**
 * The pseudonym of one call: `anon:` and 16 bytes of SHA-256 over the request's encapsulated
 * key, fresh randomness of the consumer's, so two calls never share one.
 */
export function pseudonymOf(enc: Uint8Array): string {
  return `anon:${toBase64url(sha256(enc).subarray(0, 16))}`;
}

/**
 * Answers one encapsulated request with an encapsulated response, or throws a GatewayError when
 * the request cannot be opened (nothing is then written). A request that opens but does not hold
 * a valid anonymous call gets a sealed refusal, also with nothing written.
 */
export async function serveGateway(s: GatewayPorts, bytes: Uint8Array, o: AnonymousRun): Promise<Uint8Array> {
  const identity = await s.identity();
  const now = s.now();
  const keys = (await identity.keyring.keys(now)).map((k) => ({ keyId: ohttpKeyId(k.keyId), privateKey: k.privateKey }));
  const opened = await decapsulateRequest(identity.primitives, bytes, keys, s.config.maxBodyBytes);
  const answer = async (a: AnonymousAnswer) => opened.sealResponse(encodeResponse(anonymousAnswerResponse(a)));
  const bad = (message: string) => answer({ ok: false, error: { code: "bad_request", message } });

  let call;
  try {
    call = readAnonymousCall(decodeRequest(opened.request, s.config.maxBodyBytes), identity.nodeId);
  } catch (err) {
    if (err instanceof PaddingError) return answer({ ok: false, error: { code: err.code, message: err.message } });
    if (!(err instanceof BinaryHttpError)) throw err;
    return bad(`not a binary HTTP request: ${err.message}`);
  }
  if (typeof call === "string") return bad(call);
  const skew = s.config.clockSkewSeconds;
  if (Math.abs(call.iat - now) > skew) return answer({ ok: false, error: { code: "stale", message: `iat is more than ${skew} s from this node's clock` } });

  const pseudonym = pseudonymOf(opened.enc);
  // Only a call that passed every check spends its id; a relay replaying it within the window is refused.
  if (!(await s.replay.record(REPLAY_SENDER, pseudonym, call.iat + skew))) throw new GatewayError("replayed", "this request was already received");
  log.info("gateway.call", { pseudonym, key: call.key });
  return answer(await runAnonymousCall(s, pseudonym, call, o));
}
