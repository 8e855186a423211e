// The issuance protocol of RFC 9578 §6 (publicly verifiable tokens), one token per request: the
// consumer blinds a token input for the issuer's key, the issuer signs it blind, the consumer
// unblinds and checks the signature. The issuer never sees the nonce nor the token it signed.
import { TOKEN_TYPES, publicVerif } from "@cloudflare/privacypass-ts";
import { issuerChallenge } from "./challenge.ts";
import { importPrivateKey, importPublicKey, tokenKeyId } from "./issuer-key.ts";

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

/** The issuer's blind signatures over serialized TokenRequests for its key; throws IssuanceError on a request that is not for it. */
export async function signTokenRequests(keys: { publicKey: Uint8Array; privateKey: Uint8Array }, requests: Uint8Array[]): Promise<Uint8Array[]> {
  const truncated = Number.parseInt(tokenKeyId(keys.publicKey).slice(-2), 16);
  const parsed = requests.map((bytes) => {
    if (bytes.length !== TOKEN_REQUEST_BYTES) throw new IssuanceError(`a token request is ${TOKEN_REQUEST_BYTES} bytes`);
    const request = publicVerif.TokenRequest.deserialize(TOKEN_TYPES.BLIND_RSA, bytes);
    if (request.tokenType !== TOKEN_TYPES.BLIND_RSA.value) throw new IssuanceError("not a request for token type 0x0002");
    if (request.truncatedTokenKeyId !== truncated) throw new IssuanceError("a request for another token key");
    return request;
  });
  const issuer = new publicVerif.Issuer(publicVerif.BlindRSAMode.PSS, "", await importPrivateKey(keys.privateKey), await importPublicKey(keys.publicKey));
  const out: Uint8Array[] = [];
  for (const request of parsed) {
    try {
      out.push((await issuer.issue(request)).serialize());
    } catch (err) {
      // RSASP1 refuses a blinded message not below the modulus.
      throw new IssuanceError(`a token request cannot be signed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}

