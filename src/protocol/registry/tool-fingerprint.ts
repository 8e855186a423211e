// A tool's fingerprint: SHA-256 over the RFC 8785 (JCS) canonical JSON of what the model sees.
import { canonicalJson } from "../encoding/canonical-json.ts";
import { sha256Hex } from "../encoding/hash.ts";

export interface Fingerprinted {
  name: string;
  description?: string | undefined;
  inputSchema: unknown;
}

/** `sha256:<hex>` of JCS({ name, description, inputSchema }); a missing description counts as absent. */
export async function toolFingerprint(tool: Fingerprinted): Promise<string> {
  const body: Record<string, unknown> = { name: tool.name, inputSchema: tool.inputSchema };
  if (tool.description !== undefined) body.description = tool.description;
  return `sha256:${await sha256Hex(canonicalJson(body))}`;
}
