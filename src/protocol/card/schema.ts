// The node card: what a node says about itself at /.well-known/mcpfed, self-signed. Its shape is
// the wire format (docs/protocol.md, "Node card"); every card read from the network passes here.
import { z } from "zod";
import { COMPOSITE_ALG } from "../identity/composite.ts";
import { KEY_ID, NODE_ID } from "../identity/keys.ts";
import { rotationStatement } from "../identity/rotation.ts";
import { XWING_ALG } from "../identity/xwing.ts";
import { currencyUnit } from "../ledger/pricing.ts";

export const CARD_PATH = "/.well-known/mcpfed";
export const CARD_CONTEXT = "mcpfed/1 card";
export const CARD_CONTENT_TYPE = "application/json";
/** Far above a real card (about 11 KB with two encryption keys), far below a memory problem. */
export const MAX_CARD_BYTES = 64 * 1024;
/** Mailboxes a card may name (§20.6). */
export const MAX_MAILBOXES = 4;

const b64 = (max: number) => z.string().regex(/^[A-Za-z0-9_-]*$/, "must be base64url").max(max);
const httpUrl = z.url({ protocol: /^https?$/ }).max(2048);

/** What a forwarder charges per forwarded call (§12.5): a positive amount in one currency unit. */
export const forwardFee = z.strictObject({ amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), unit: currencyUnit });
export type ForwardFee = z.infer<typeof forwardFee>;

export const cardSchema = z
  .object({
    id: z.string().regex(NODE_ID, "must be a node id"),
    name: z.string().min(1).max(100),
    url: httpUrl,
    mcp: httpUrl,
    versions: z.array(z.string().regex(/^mcpfed\/\d+$/)).min(1).max(16),
    features: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/)).max(64),
    keys: z
      .object({
        sig: z.object({ alg: z.literal(COMPOSITE_ALG), kid: z.string().regex(KEY_ID), pub: b64(4096) }).strict(),
        /** The current encryption key first, then the previous one while it overlaps. */
        kem: z
          .array(z.object({ alg: z.literal(XWING_ALG), kid: z.string().regex(KEY_ID), pub: b64(2048) }).strict())
          .min(1)
          .max(2),
      })
      .strict(),
    /** Signing-key hand-overs from the node's first key to keys.sig, oldest first. */
    rotations: z.array(rotationStatement).max(32).optional(),
    contact: z.string().min(1).max(256).optional(),
    /** A node that binds nothing reachable: the nodes that hold its messages (§20.6), its url being the first one's. */
    mailboxes: z.array(httpUrl).min(1).max(MAX_MAILBOXES).optional(),
    /** A forwarder's fee (§12.5), with the feature `route-forward-fee`; absent: it forwards free. */
    forwardFee: forwardFee.optional(),
    iat: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
    sig: b64(8192),
  })
  .strict();

export type Card = z.infer<typeof cardSchema>;
export type UnsignedCard = Omit<Card, "sig">;
