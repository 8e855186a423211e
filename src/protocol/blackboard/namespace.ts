// A namespace's descriptor (protocol §17.5): who replicates it and the consistency a request gets
// when it names none, signed by the namespace's creator (context `mcpfed/1 blackboard-namespace`).
// It travels with the deltas a creator's replicas push, so a replica can check a writer before it
// has heard of the namespace any other way; the newest descriptor (by HLC) is the one that holds.
import { z } from "zod";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { nodeId } from "../identity/node-id.ts";
import type { EntrySigner, OriginKey } from "../identity/signer.ts";
import { hlcString } from "../registry/hlc.ts";
import { namespaceName } from "./delta.ts";

export const NAMESPACE_CONTEXT = "mcpfed/1 blackboard-namespace";
/** Named replicas, the creator among them. */
export const MAX_REPLICAS = 16;

export const CONSISTENCY_LEVELS = ["eventual", "session", "strong"] as const;
export const consistency = z.enum(CONSISTENCY_LEVELS);
export type Consistency = z.infer<typeof consistency>;

const replicaList = z
  .array(nodeId)
  .min(1)
  .max(MAX_REPLICAS)
  .refine((r) => r.every((x, i) => i === 0 || r[i - 1]! < x), "sorted and distinct");

const unsignedShape = {
  namespace: namespaceName,
  hlc: hlcString,
  /** Node ids, sorted, the creator among them; or "public": every node may hold and write it. */
  replicas: z.union([replicaList, z.literal("public")]),
  consistency,
};
export const unsignedDescriptor = z.strictObject(unsignedShape).refine((d) => d.replicas === "public" || d.replicas.includes(creatorOf(d.namespace)), {
  message: "the creator is one of the replicas",
  path: ["replicas"],
});
export const signedDescriptor = z.strictObject({ ...unsignedShape, sig: z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/, "base64url") }).refine(
  (d) => d.replicas === "public" || d.replicas.includes(creatorOf(d.namespace)),
  { message: "the creator is one of the replicas", path: ["replicas"] },
);
export type UnsignedDescriptor = z.infer<typeof unsignedDescriptor>;
export type SignedDescriptor = z.infer<typeof signedDescriptor>;

/** The node that created a namespace: the part before its first "/". */
export function creatorOf(namespace: string): string {
  return namespace.slice(0, namespace.indexOf("/"));
}

/** Whether `node` may hold and write the namespace. */
export function isReplica(d: Pick<UnsignedDescriptor, "replicas">, node: string): boolean {
  return d.replicas === "public" || d.replicas.includes(node);
}

export function descriptorSigningBytes(d: UnsignedDescriptor): Uint8Array {
  const { namespace, hlc, replicas, consistency } = d;
  return utf8(canonicalJson({ namespace, hlc, replicas, consistency }));
}

export async function signDescriptor(d: UnsignedDescriptor, signer: EntrySigner): Promise<SignedDescriptor> {
  const parsed = unsignedDescriptor.parse(d);
  if (creatorOf(parsed.namespace) !== signer.nodeId) throw new RangeError(`only ${creatorOf(parsed.namespace)} describes its namespace`);
  return signedDescriptor.parse({ ...parsed, sig: toBase64url(await signer.sign(descriptorSigningBytes(parsed), NAMESPACE_CONTEXT)) });
}

/** Whether the creator signed it; `key` is the creator's. */
export async function verifyDescriptor(d: SignedDescriptor, key: OriginKey): Promise<boolean> {
  try {
    return await key.verify(descriptorSigningBytes(d), fromBase64url(d.sig), NAMESPACE_CONTEXT);
  } catch {
    return false;
  }
}
