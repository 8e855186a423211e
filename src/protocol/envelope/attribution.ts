// Which refused envelopes count against their sender (docs/security.md, "Refusals as evidence").
// `from` is a claim anyone can write, so nothing refused before the signature verifies is the
// named sender's doing. A verified signature proves the sender made the bytes, not that it sent
// them now or here: a forwarder, a mailbox or an observer on the path can re-send them late, twice
// or to another node (expired, replayed, wrong_recipient, wrong_endpoint). What remains are
// faults in what the sender signed, which no one else can produce.
import { EnvelopeError, type EnvelopeErrorCode } from "./errors.ts";
import type { OpenOptions } from "./open.ts";
import { decode, ENVELOPE_CONTEXT } from "./wire.ts";

/** A clock ahead of the window, a version it does not speak or did not agree, a ciphertext that does not open. */
export const SIGNED_FAULTS: ReadonlySet<EnvelopeErrorCode> = new Set<EnvelopeErrorCode>(["not_yet_valid", "unsupported_version", "downgrade", "decrypt_failed"]);

/**
 * The sender a refusal with `code` is soundly attributed to: the code is a signed fault and the
 * envelope's signature verifies with the key `sender` resolves for its `from`; else undefined.
 */
export async function signedFaultOf(bytes: Uint8Array, code: EnvelopeErrorCode, o: Pick<OpenOptions, "sender" | "maxBytes">): Promise<string | undefined> {
  if (!SIGNED_FAULTS.has(code)) return undefined;
  try {
    const env = decode(bytes, o.maxBytes);
    const sender = await o.sender(env.header);
    return (await sender.verifier.verify(env.sig, env.signed, ENVELOPE_CONTEXT)) ? env.header.from : undefined;
  } catch (err) {
    // Framing, or a sender that is no active peer: nothing to attribute.
    if (err instanceof EnvelopeError) return undefined;
    throw err;
  }
}
