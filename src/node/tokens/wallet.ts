// The consumer's wallet (docs/protocol.md §15.4): tokens it bought, each sealed at rest under a
// context naming its row, taken out once to pay an issuer for a call. A token taken is gone from
// the wallet whether or not the issuer then accepts it; the caller puts back only tokens it never sent.
import type { Pricing } from "../../protocol/ledger/pricing.ts";
import { tokensFor } from "../../protocol/tokens/value.ts";
import type { SecretBox } from "../../secrets/sealed-box.ts";
import type { Database } from "../../store/database.ts";
import { addWalletTokens, pruneWallet, returnWalletTokens, takeWalletTokens, walletHoldings, type WalletHolding, type WalletRow } from "../../store/token-wallet.ts";
import { MAX_TOKENS_PER_CALL } from "./redemption.ts";

export interface WalletPort {
  db: Database;
  secrets: SecretBox;
}

export type { WalletHolding };

export class TokenWalletError extends Error {
  override name = "TokenWalletError";
  readonly code = "payment_required";
}

const sealContext = (id: string) => `tokens/wallet/${id}`;

export interface BoughtToken {
  issuer: string;
  keyId: string;
  /** Serialized token, base64url. */
  token: string;
  unit: string;
  value: number;
  expiresAt: number;
}

export async function keepTokens(s: WalletPort, tokens: BoughtToken[], now = Date.now()): Promise<void> {
  const rows: WalletRow[] = await Promise.all(
    tokens.map(async (t) => {
      const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
      return { id, issuer: t.issuer, keyId: t.keyId, token: await s.secrets.seal(t.token, sealContext(id)), unit: t.unit, value: t.value, expiresAt: t.expiresAt, boughtAt: now };
    }),
  );
  await addWalletTokens(s.db, rows);
}

export interface Payment {
  /** The tokens to send, base64url: none for a free tool. */
  tokens: string[];
  /** Puts the tokens back, for a call that failed before they were sent. */
  unsend(): Promise<void>;
}

/**
 * Takes out of the wallet the tokens a call to `issuer`'s tool priced `pricing` costs, by the
 * denomination the issuer sold them at. Throws TokenWalletError (payment_required) when the wallet
 * holds too few, or the price cannot be paid in tokens.
 */
export async function spendTokens(s: WalletPort, issuer: string, pricing: Pricing, now = Date.now()): Promise<Payment> {
  if (pricing.model === "free") return { tokens: [], unsend: async () => {} };
  const holdings = (await walletHoldings(s.db, now)).filter((h) => h.issuer === issuer);
  const held = holdings[0];
  if (!held) throw new TokenWalletError(`no tokens of ${issuer} in the wallet: buy some with \`mcpfed tokens buy ${issuer} <n>\``);
  const price = tokensFor(pricing, held);
  if (!price.ok) throw new TokenWalletError(price.reason);
  if (price.tokens > MAX_TOKENS_PER_CALL) throw new TokenWalletError(`the call costs ${price.tokens} tokens, more than one call may carry`);
  const taken = price.tokens === 0 ? [] : await takeWalletTokens(s.db, issuer, price.tokens, now);
  if (!taken) throw new TokenWalletError(`the call costs ${price.tokens} token(s) of ${issuer}; the wallet holds ${holdings.reduce((n, h) => n + h.count, 0)}`);
  const tokens = await Promise.all(taken.map((row) => s.secrets.open(row.token, sealContext(row.id))));
  return { tokens, unsend: () => returnWalletTokens(s.db, taken) };
}

/** What the wallet holds, by issuer and key; expired tokens are dropped first. */
export async function listWallet(s: Pick<WalletPort, "db">, now = Date.now()): Promise<WalletHolding[]> {
  await pruneWallet(s.db, now);
  return walletHoldings(s.db, now);
}
