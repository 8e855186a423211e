// The registry entry kinds beside tools: a resource, a resource template and a prompt, shared by
// their origin as a tool is. Each body carries what a client needs to list the item, the
// fingerprint of that definition, and the price of reading or getting it.
import { z } from "zod";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { sha256Hex } from "../encoding/hash.ts";

export const ITEM_KINDS = ["resource", "resource-template", "prompt"] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

const upstreamPart = "[a-z0-9][a-z0-9_-]{0,31}";
// encodeURIComponent's output: a URI's key part has no "/" and no "@", and one URI has one key.
// The bound keeps `<origin>/<key>` within the ledger's 512-character item id.
const encodedPart = "(?=[^/]{1,340}$)(?:[A-Za-z0-9._~!*'()-]|%[0-9A-F]{2})+";
const promptPart = "[^\\s/@\\p{Cc}]{1,128}";
const ENCODED_KEY = new RegExp(`^(${upstreamPart})/(${encodedPart})$`);
const PROMPT_KEY = new RegExp(`^(${upstreamPart})/(${promptPart})$`, "u");

/** `<upstream>/<encodeURIComponent(uri)>` for resources and templates; `<upstream>/<name>` for prompts. */
export const itemKey = {
  resource: z.string().regex(ENCODED_KEY, "<upstream>/<URI, percent-encoded as encodeURIComponent does>"),
  "resource-template": z.string().regex(ENCODED_KEY, "<upstream>/<URI template, percent-encoded as encodeURIComponent does>"),
  prompt: z.string().regex(PROMPT_KEY, "<upstream>/<prompt>"),
} as const;

/** The upstream and the item's own name (URI, URI template or prompt name) a key names. */
export function itemOfKey(kind: ItemKind, key: string): { upstream: string; name: string } {
  const m = (kind === "prompt" ? PROMPT_KEY : ENCODED_KEY).exec(key);
  if (!m) throw new RangeError(`not a ${kind} key: ${key}`);
  if (kind === "prompt") return { upstream: m[1]!, name: m[2]! };
  try {
    return { upstream: m[1]!, name: decodeURIComponent(m[2]!) };
  } catch {
    // A live entry's key is always the encoding of its URI; a stray key may still be no UTF-8.
    throw new RangeError(`not a ${kind} key: ${key}`);
  }
}

export function keyOfItem(kind: ItemKind, upstream: string, name: string): string {
  return `${upstream}/${kind === "prompt" ? name : encodeURIComponent(name)}`;
}

const annotations = z.record(z.string(), z.json()).optional();

/** What resources/list shows of a resource, as MCP's Resource carries it. */
export const resourceDefinition = z.strictObject({
  uri: z.string().min(1).max(1024),
  name: z.string().min(1).max(256),
  title: z.string().max(256).optional(),
  description: z.string().optional(),
  mimeType: z.string().max(256).optional(),
  annotations,
  size: z.number().int().min(0).optional(),
});
export type ResourceDefinition = z.infer<typeof resourceDefinition>;

export const resourceTemplateDefinition = z.strictObject({
  uriTemplate: z.string().min(1).max(1024),
  name: z.string().min(1).max(256),
  title: z.string().max(256).optional(),
  description: z.string().optional(),
  mimeType: z.string().max(256).optional(),
  annotations,
});
export type ResourceTemplateDefinition = z.infer<typeof resourceTemplateDefinition>;

export const promptDefinition = z.strictObject({
  name: z.string().min(1).max(128),
  title: z.string().max(256).optional(),
  description: z.string().optional(),
  arguments: z
    .array(z.strictObject({ name: z.string().min(1).max(128), title: z.string().max(256).optional(), description: z.string().optional(), required: z.boolean().optional() }))
    .max(64)
    .optional(),
});
export type PromptDefinition = z.infer<typeof promptDefinition>;

const fingerprint = z.string().regex(/^sha256:[0-9a-f]{64}$/);
/** As for tools: the ledger's pricing descriptor or null, opaque to relays. */
const pricing = z.json();

export const resourceBody = z.strictObject({ resource: resourceDefinition, fingerprint, pricing });
export const resourceTemplateBody = z.strictObject({ resourceTemplate: resourceTemplateDefinition, fingerprint, pricing });
export const promptBody = z.strictObject({
  prompt: promptDefinition,
  fingerprint,
  pricing,
  /** The name the origin's own clients list the prompt under, when it is not `<upstream>_<prompt>` (as a tool entry's). */
  listedName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "an MCP name, [A-Za-z0-9_-]{1,64}").optional(),
});
export type ResourceBody = z.infer<typeof resourceBody>;
export type ResourceTemplateBody = z.infer<typeof resourceTemplateBody>;
export type PromptBody = z.infer<typeof promptBody>;
export type ItemBody = ResourceBody | ResourceTemplateBody | PromptBody;
export type ItemDefinition = ResourceDefinition | ResourceTemplateDefinition | PromptDefinition;

export const itemBody = { resource: resourceBody, "resource-template": resourceTemplateBody, prompt: promptBody } as const;

/** The definition a body carries, whichever kind it is. */
export function definitionOf(body: ItemBody): ItemDefinition {
  return "resource" in body ? body.resource : "resourceTemplate" in body ? body.resourceTemplate : body.prompt;
}

/** The name the key must carry: the URI, the URI template, or the prompt's name. */
export function nameOf(definition: ItemDefinition): string {
  return "uri" in definition ? definition.uri : "uriTemplate" in definition ? definition.uriTemplate : definition.name;
}

/** `sha256:<hex>` of the JCS form of the whole definition: anything a client sees of the item changes it. */
export async function itemFingerprint(definition: ItemDefinition): Promise<string> {
  return `sha256:${await sha256Hex(canonicalJson(definition))}`;
}
