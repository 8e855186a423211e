// Base64url without padding (RFC 4648 §5): how binary values travel inside JSON messages.

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function toBase64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Throws a RangeError on characters outside the alphabet or an impossible length. */
export function fromBase64url(text: string): Uint8Array {
  if (!ALPHABET.test(text) || text.length % 4 === 1) throw new RangeError("not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
