// A tool's fingerprint: SHA-256 over the RFC 8785 (JCS) canonical JSON of what the model sees.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import canonicalize from "canonicalize";

/** Below this, hashing in JS beats a WebCrypto job; above it, the native digest wins. */
const INLINE_BYTES = 16 * 1024;

export async function sha256Hex(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  return bytesToHex(bytes.length <= INLINE_BYTES ? sha256(bytes) : new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

export interface Fingerprinted {
  name: string;
  description?: string | undefined;
  inputSchema: unknown;
}

/** `sha256:<hex>` of JCS({ name, description, inputSchema }); a missing description counts as absent. */
export async function toolFingerprint(tool: Fingerprinted): Promise<string> {
  const body: Record<string, unknown> = { name: tool.name, inputSchema: tool.inputSchema };
  if (tool.description !== undefined) body.description = tool.description;
  return `sha256:${await sha256Hex(canonicalize(body)!)}`;
}
