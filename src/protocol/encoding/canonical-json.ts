// RFC 8785 (JCS) canonical JSON: the bytes every signature and hash in the protocol is taken over.
import canonicalize from "canonicalize";

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value has no JSON form");
  return text;
}
