// A tool's fingerprint: SHA-256 over the RFC 8785 (JCS) canonical JSON of what the model sees.
import canonicalize from "canonicalize";

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
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
