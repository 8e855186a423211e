// This node's own keys: its KEM keys per epoch and its signing-key hand-overs.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { RotationStatement } from "../../protocol/identity/rotation.ts";
import { now } from "./defaults.ts";

/**
 * The node's encryption (X-Wing) keys, one per epoch of KEM_ROTATION_SECONDS. Only the current
 * and the previous epoch are kept (src/node/identity/kem-keyring.ts); `sealed_seed` is the key's
 * 32-byte seed under AES-256-GCM with a key derived from NODE_SEED.
 */
export const kemKeys = sqliteTable("kem_keys", {
  epoch: integer("epoch").primaryKey(),
  keyId: text("key_id").notNull(),
  publicKey: text("public_key").notNull(),
  sealedSeed: text("sealed_seed").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/**
 * This node's signing-key hand-overs, oldest first: the chain its card carries after a rotation.
 * Public data; only the statement that PREVIOUS_NODE_SEED signs needs a secret, once.
 */
export const signingRotations = sqliteTable("signing_rotations", {
  position: integer("position").primaryKey(),
  statement: text("statement", { mode: "json" }).notNull().$type<RotationStatement>(),
  /** The composite public key the statement hands over to, base64url. */
  nextKey: text("next_key").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});
