// The token challenge (RFC 9577 §2.1) a node's tokens answer: token type 0x0002, the issuer's node
// id as issuer_name, an empty redemption_context and no origin_info, so a consumer can buy tokens
// ahead of any call (RFC 9577 §2.1.1) and spend them on any of the issuer's tools.
import { TokenChallenge } from "@cloudflare/privacypass-ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { TOKEN_TYPE } from "./issuer-key.ts";

export function issuerChallenge(issuer: string): TokenChallenge {
  return new TokenChallenge(TOKEN_TYPE, issuer, new Uint8Array(0));
}

/** SHA-256 of the serialized challenge: what a token's challenge_digest must be. */
export function challengeDigest(issuer: string): Uint8Array {
  return sha256(issuerChallenge(issuer).serialize());
}

/** Which of `issuers` a token with this challenge digest (hex) was issued by, if any. */
export function issuerOfDigest(digestHex: string, issuers: readonly string[]): string | undefined {
  return issuers.find((issuer) => bytesToHex(challengeDigest(issuer)) === digestHex);
}
