// Privacy Pass tokens (docs/protocol.md §15): the issuer's keys, its view of what it sold and of
// what was redeemed (which share no column value: unlinkability), and the consumer's wallet.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** This node's token issuer keys (RSA 2048, token type 0x0002). */
export const tokenIssuerKeys = sqliteTable("token_issuer_keys", {
  /** The token key id: hex SHA-256 of the encoded public key. */
  keyId: text("key_id").primaryKey(),
  /** RFC 9578 encoding, base64url. */
  publicKey: text("public_key").notNull(),
  /** PKCS#8, sealed at rest; null once the key expired (nothing is signed under it any more). */
  privateKey: text("private_key"),
  /** ms since the epoch. */
  notBefore: integer("not_before").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

/** The issuer's view of issuance: who bought how many tokens, under which ledger record. Nothing about the tokens themselves. */
export const tokenSales = sqliteTable("token_sales", {
  recordId: text("record_id").primaryKey(),
  consumer: text("consumer").notNull(),
  count: integer("count").notNull(),
  soldAt: integer("sold_at").notNull(),
});

/**
 * How many tokens each redemption for a provider took (§15.9), by the intent this node signed for
 * it: the receipt is checked against this count, not against a TOKEN_VALUE that may have changed since.
 */
export const tokenRedemptionCounts = sqliteTable(
  "token_redemption_counts",
  {
    intentId: text("intent_id").primaryKey(),
    tokens: integer("tokens").notNull(),
    /** When the row may go: long after any receipt the provider's tick would still send. */
    keepUntil: integer("keep_until").notNull(),
  },
  (t) => [index("token_redemption_counts_keep").on(t.keepUntil)],
);

/** The issuer's view of redemption: one row per spent token nonce, kept until the key it was signed under expires. */
export const tokenRedemptions = sqliteTable(
  "token_redemptions",
  {
    /** The token's nonce, hex: unique, so a token is spent once. */
    nonce: text("nonce").primaryKey(),
    /** The hour it was spent (ms, rounded down): enough to count, too coarse to time a sale against. */
    hour: integer("hour").notNull(),
    /** When the row may go: the key's expiry, after which no token of it is accepted anyway. */
    keepUntil: integer("keep_until").notNull(),
  },
  (t) => [index("token_redemptions_keep").on(t.keepUntil)],
);

/** The consumer's wallet: tokens bought from issuers, each sealed at rest and spent once. */
export const walletTokens = sqliteTable(
  "wallet_tokens",
  {
    id: text("id").primaryKey(),
    issuer: text("issuer").notNull(),
    keyId: text("key_id").notNull(),
    /** The serialized token, base64url, sealed. */
    token: text("token").notNull(),
    /** What the issuer said a token is worth when it sold it (protocol §15.2). */
    unit: text("unit").notNull(),
    value: integer("value").notNull(),
    /** ms: the issuer stops accepting it then. */
    expiresAt: integer("expires_at").notNull(),
    boughtAt: integer("bought_at").notNull(),
  },
  (t) => [index("wallet_tokens_issuer").on(t.issuer, t.expiresAt)],
);
