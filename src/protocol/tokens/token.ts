// A Privacy Pass token of type 0x0002 (RFC 9577 §2.2, RFC 9578 §6.4): token_type, a 32-byte nonce
// the consumer chose, the challenge digest, the token key id, and the issuer's RSA signature over
// all of that. Parsed here from its base64url text, checked against one issuer key.
import { TOKEN_TYPES, Token } from "@cloudflare/privacypass-ts";
import { bytesToHex } from "@noble/hashes/utils.js";
import { z } from "zod";
import { fromBase64url } from "../encoding/bytes.ts";
import { challengeDigest } from "./challenge.ts";
import { TOKEN_TYPE } from "./issuer-key.ts";

/** 2 + 32 + 32 + 32 + 256 bytes. */
export const TOKEN_BYTES = 354;
/** Its base64url text, unpadded: 354 bytes are exactly 472 characters. */
export const tokenText = z.string().regex(/^[A-Za-z0-9_-]{472}$/, "a token");

export interface ParsedToken {
  /** The nonce, hex: one token, one nonce, spent once. */
  nonce: string;
  /** The token key id, hex. */
  keyId: string;
  /** The challenge digest, hex: which issuer's challenge the token answers. */
  challenge: string;
  token: Token;
}

/** The token, or undefined for text that is not one of type 0x0002. */
export function parseToken(text: string): ParsedToken | undefined {
  if (!tokenText.safeParse(text).success) return undefined;
  const bytes = fromBase64url(text);
  if (((bytes[0]! << 8) | bytes[1]!) !== TOKEN_TYPE) return undefined;
  const token = Token.deserialize(TOKEN_TYPES.BLIND_RSA, bytes);
  return { nonce: bytesToHex(token.authInput.nonce), keyId: bytesToHex(token.authInput.tokenKeyId), challenge: bytesToHex(token.authInput.challengeDigest), token };
}

/** Whether the token answers `issuer`'s challenge and carries a valid signature under `key`. */
export async function verifyToken(t: ParsedToken, issuer: string, key: CryptoKey): Promise<boolean> {
  if (bytesToHex(t.token.authInput.challengeDigest) !== bytesToHex(challengeDigest(issuer))) return false;
  // RSASSA-PSS-VERIFY of the authenticator over token_type || nonce || challenge_digest || token_key_id.
  return crypto.subtle.verify({ name: "RSA-PSS", saltLength: 48 }, key, t.token.authenticator as BufferSource, t.token.authInput.serialize() as BufferSource);
}
