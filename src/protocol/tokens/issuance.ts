// The issuance protocol of RFC 9578 §6 (publicly verifiable tokens), one token per request: the
// consumer blinds a token input for the issuer's key, the issuer signs it blind, the consumer
// unblinds and checks the signature. The issuer never sees the nonce nor the token it signed.
import { TOKEN_TYPES, publicVerif, util } from "@cloudflare/privacypass-ts";
import { issuerChallenge } from "./challenge.ts";
import { importPrivateKey, importPublicKey, tokenKeyId } from "./issuer-key.ts";
import type { RawRsa } from "./raw-rsa.ts";

/** token_type (2) || truncated_token_key_id (1) || blinded_msg (256). */
export const TOKEN_REQUEST_BYTES = 259;
/** blind_sig (256). */
export const TOKEN_RESPONSE_BYTES = 256;

export class IssuanceError extends Error {
  override name = "IssuanceError";
}

export interface BlindedTokens {
  /** The serialized TokenRequests, to send. */
  requests: Uint8Array[];
  /** Unblinds the issuer's responses (in request order) into serialized tokens; throws IssuanceError on a bad signature. */
  finalize(responses: Uint8Array[]): Promise<Uint8Array[]>;
}

/** `n` token requests for `issuer`'s key `publicKey`. */
export async function blindTokenRequests(issuer: string, publicKey: Uint8Array, n: number): Promise<BlindedTokens> {
  const challenge = issuerChallenge(issuer);
  const clients = Array.from({ length: n }, () => new publicVerif.Client(publicVerif.BlindRSAMode.PSS));
  const requests: Uint8Array[] = [];
  for (const client of clients) requests.push((await client.createTokenRequest(challenge, publicKey)).serialize());
  return {
    requests,
    async finalize(responses) {
      if (responses.length !== clients.length) throw new IssuanceError(`${responses.length} responses to ${clients.length} requests`);
      const tokens: Uint8Array[] = [];
      for (const [i, client] of clients.entries()) {
        const response = responses[i]!;
        if (response.length !== TOKEN_RESPONSE_BYTES) throw new IssuanceError("a token response is not 256 bytes");
        try {
          // finalize verifies the unblinded signature under the issuer's key (RFC 9474 §4.4).
          tokens.push((await client.finalize(new publicVerif.TokenResponse(response))).serialize());
        } catch (err) {
          throw new IssuanceError(`token ${i} does not verify: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return tokens;
    },
  };
}

/** Signs one request's blinded message (RFC 9474 §4.3 BlindSign); throws on a message it cannot sign. */
type BlindSigner = (request: publicVerif.TokenRequest) => Promise<Uint8Array>;

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function rawRsaSigner(rsa: RawRsa, keys: { publicKey: Uint8Array; privateKey: Uint8Array }): BlindSigner {
  const key = rsa.key(keys.privateKey, util.convertRSASSAPSSToEnc(keys.publicKey));
  return async ({ blindedMsg }) => {
    const s = key.rsasp1(blindedMsg);
    // RFC 9474 §4.3 steps 3-4: a signature that does not verify (a fault) never leaves the issuer.
    if (s.length !== TOKEN_RESPONSE_BYTES || !sameBytes(key.rsavp1(s), blindedMsg)) throw new Error("signing failure");
    return s;
  };
}

async function blindRsaTsSigner(keys: { publicKey: Uint8Array; privateKey: Uint8Array }): Promise<BlindSigner> {
  // blindrsa-ts checks the signature itself (RFC 9474 §4.3 steps 3-4).
  const issuer = new publicVerif.Issuer(publicVerif.BlindRSAMode.PSS, "", await importPrivateKey(keys.privateKey), await importPublicKey(keys.publicKey));
  return async (request) => (await issuer.issue(request)).serialize();
}

/**
 * The issuer's blind signatures over serialized TokenRequests for its key; throws IssuanceError on a
 * request that is not for it. With `rawRsa` (a vetted library's raw RSA, passed in by the runtime)
 * RSASP1 runs there; without it, in blindrsa-ts. Both give the same bytes: RSASP1 is deterministic.
 */
export async function signTokenRequests(keys: { publicKey: Uint8Array; privateKey: Uint8Array }, requests: Uint8Array[], rawRsa?: RawRsa): Promise<Uint8Array[]> {
  const truncated = Number.parseInt(tokenKeyId(keys.publicKey).slice(-2), 16);
  const parsed = requests.map((bytes) => {
    if (bytes.length !== TOKEN_REQUEST_BYTES) throw new IssuanceError(`a token request is ${TOKEN_REQUEST_BYTES} bytes`);
    const request = publicVerif.TokenRequest.deserialize(TOKEN_TYPES.BLIND_RSA, bytes);
    if (request.tokenType !== TOKEN_TYPES.BLIND_RSA.value) throw new IssuanceError("not a request for token type 0x0002");
    if (request.truncatedTokenKeyId !== truncated) throw new IssuanceError("a request for another token key");
    return request;
  });
  const sign = rawRsa ? rawRsaSigner(rawRsa, keys) : await blindRsaTsSigner(keys);
  const out: Uint8Array[] = [];
  for (const request of parsed) {
    try {
      out.push(await sign(request));
    } catch (err) {
      // RSASP1 refuses a blinded message not below the modulus.
      throw new IssuanceError(`a token request cannot be signed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}
