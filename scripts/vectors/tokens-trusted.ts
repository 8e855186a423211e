// Vectors of tokens accepted from a trusted issuer (docs/protocol.md §15.9,
// test/vectors/tokens-trusted.json): the issuer's signed directory and what fails its check; which
// accepted issuer a token's challenge picks; the token-redeem messages that parse and those that
// do not; the redemption's record (the issuer's intent, the provider's receipt, the issuer's
// countersignature) with its tool, request and result hashes; and the token count each price gets.
// Every expectation is checked against the code before it is written.
import type { Pricing } from "../../src/protocol/ledger/pricing.ts";
import type { Intent, SignedIntent } from "../../src/protocol/ledger/record.ts";
import { contentHash } from "../../src/protocol/ledger/record.ts";
import { countersign, INTENT_CONTEXT, intentBytes, signReceipt, verifyRecord, type LedgerSigner } from "../../src/protocol/ledger/signing.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { issuerOfDigest } from "../../src/protocol/tokens/challenge.ts";
import { buildDirectory, directorySignedBy, signDirectory, type IssuerDirectory } from "../../src/protocol/tokens/directory.ts";
import { redemptionQuote, redemptionRequestHash, redemptionResult, redemptionTool, tokenRedeemRequest } from "../../src/protocol/tokens/online-redemption.ts";
import { parseToken } from "../../src/protocol/tokens/token.ts";
import { tokensFor } from "../../src/protocol/tokens/value.ts";
import type { Party } from "./composite.ts";
import { agree, b64, flipped, p, verifierOf, write } from "./common.ts";

const signerOf = (k: SigningKey): LedgerSigner => ({ nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c) });

/** `token` is the fixed token of tokens.json, answering `tokenIssuer`'s challenge; `publicKey` its key (base64url). */
export async function trustedTokenVectors(v: { issuer: Party; provider: Party; stranger: Party; token: string; tokenIssuer: string; publicKey: string }): Promise<void> {
  const T = 1_767_225_600_000;
  const denomination = { unit: "credit", value: 2 };
  const unsigned = buildDirectory("https://issuer.example/federation/v1/token-sale", [{ publicKey: v.publicKey, notBefore: T / 1000, expires: T / 1000 + 7 * 86_400 }], denomination);
  const directory = await signDirectory(unsigned, signerOf(v.issuer.key));
  const issuerKey = await signingKey(p, b64(v.issuer.key.signer.publicKey));
  const checkDirectory = (d: IssuerDirectory, claimed: string) => directorySignedBy(d, claimed, (m, s, c) => issuerKey.verify(s, m, c));
  const directoryCases = [
    { name: "signed by the issuer", document: directory, claimed: v.issuer.key.nodeId, valid: true },
    { name: "denomination altered", document: { ...directory, "mcpfed-denomination": { unit: "credit", value: 1 } }, claimed: v.issuer.key.nodeId, valid: false },
    { name: "a key dropped", document: { ...directory, "token-keys": [] }, claimed: v.issuer.key.nodeId, valid: false },
    { name: "read as another node's", document: directory, claimed: v.stranger.key.nodeId, valid: false },
    { name: "signature flipped", document: { ...directory, "mcpfed-signature": flipped(directory["mcpfed-signature"]!) }, claimed: v.issuer.key.nodeId, valid: false },
    { name: "unsigned", document: unsigned, claimed: v.issuer.key.nodeId, valid: false },
  ];
  for (const c of directoryCases) agree(`directory ${c.name}`, c.valid, await checkDirectory(c.document, c.claimed));

  const digest = parseToken(v.token)!.challenge;
  const issuerCases = [
    { name: "the token's issuer is accepted", accepted: [v.provider.key.nodeId, v.tokenIssuer], issuer: v.tokenIssuer },
    { name: "no accepted issuer's challenge", accepted: [v.provider.key.nodeId, v.issuer.key.nodeId], issuer: null },
  ];
  for (const c of issuerCases) agree(`issuer ${c.name}`, c.issuer, issuerOfDigest(digest, c.accepted) ?? null);

  const messageCases = [
    { name: "one token", message: { type: "token-redeem", tokens: [v.token], price: { amount: 2, unit: "credit" } }, valid: true },
    { name: "32 tokens", message: { type: "token-redeem", tokens: Array(32).fill(v.token), price: { amount: 64, unit: "credit" } }, valid: true },
    { name: "33 tokens", message: { type: "token-redeem", tokens: Array(33).fill(v.token), price: { amount: 66, unit: "credit" } }, valid: false },
    { name: "no token", message: { type: "token-redeem", tokens: [], price: { amount: 2, unit: "credit" } }, valid: false },
    { name: "a token cut short", message: { type: "token-redeem", tokens: [v.token.slice(1)], price: { amount: 2, unit: "credit" } }, valid: false },
    { name: "no price (the message before price was added)", message: { type: "token-redeem", tokens: [v.token] }, valid: false },
    { name: "a price of nothing", message: { type: "token-redeem", tokens: [v.token], price: { amount: 0, unit: "credit" } }, valid: false },
    { name: "a price with a model", message: { type: "token-redeem", tokens: [v.token], price: { model: "per_call", amount: 2, unit: "credit" } }, valid: false },
    { name: "another field", message: { type: "token-redeem", tokens: [v.token], price: { amount: 2, unit: "credit" }, count: 1 }, valid: false },
    { name: "a receipt", message: { type: "token-redeem-receipt", receipt: {} }, valid: true },
  ];
  for (const c of messageCases) agree(`message ${c.name}`, c.valid, tokenRedeemRequest.safeParse(c.message).success);

  const tokens = [v.token];
  const intent: Intent = {
    v: "mcpfed/1",
    id: "77".repeat(32),
    consumer: v.issuer.key.nodeId,
    provider: v.provider.key.nodeId,
    tool: redemptionTool(v.provider.key.nodeId, v.issuer.key.nodeId),
    request: await redemptionRequestHash(tokens),
    price: redemptionQuote(tokens.length, denomination),
    requestedAt: T,
  };
  const sent: SignedIntent = { intent, sig: b64(await v.issuer.key.signer.sign(intentBytes({ intent }), INTENT_CONTEXT)) };
  const pending = await signReceipt(signerOf(v.provider.key), sent, { result: redemptionResult(1), durationMs: 0, completedAt: T + 40 });
  const verifier = verifierOf([v.issuer, v.provider]);
  const record = await countersign(signerOf(v.issuer.key), verifier, sent, pending, 0);
  const recordCases = [
    { name: "confirmed", record, verdict: "valid" },
    { name: "pending", record: pending, verdict: "pending" },
    { name: "receipt signature flipped", record: { ...record, sigs: { ...record.sigs, receipt: flipped(record.sigs.receipt) } }, verdict: "bad_receipt_signature" },
    { name: "intent signature flipped", record: { ...record, sigs: { ...record.sigs, intent: flipped(record.sigs.intent) } }, verdict: "bad_intent_signature" },
    { name: "charge raised", record: { ...record, receipt: { ...record.receipt, amount: 4 } }, verdict: "bad_receipt_signature" },
  ];
  for (const c of recordCases) agree(`record ${c.name}`, c.verdict, await verifyRecord(verifier, c.record));

  // A price with no token count is refused as token_price_unsupported (§15.5).
  const prices: { pricing: Pricing; tokens: number | null }[] = [
    { pricing: { model: "per_call", amount: 5, unit: "credit" }, tokens: 3 },
    { pricing: { model: "per_call", amount: 5, unit: "usd" }, tokens: null },
    { pricing: { model: "per_time", amount: 1, per: "second", unit: "credit" }, tokens: null },
    { pricing: { model: "subscription", amount: 10, periodSeconds: 3600, unit: "credit" }, tokens: null },
  ];
  for (const c of prices) {
    const got = tokensFor(c.pricing, denomination);
    agree(`price ${JSON.stringify(c.pricing)}`, c.tokens, got.ok ? got.tokens : null);
  }

  write("tokens-trusted.json", {
    about: "Tokens of a trusted issuer, redeemed online at it (docs/protocol.md §15.9). Signatures are composite (§3.2) by the parties named; the token is tokens.json's issuance.token.",
    issuer: { nodeId: v.issuer.key.nodeId, publicKey: b64(v.issuer.key.signer.publicKey) },
    provider: { nodeId: v.provider.key.nodeId, publicKey: b64(v.provider.key.signer.publicKey) },
    stranger: { nodeId: v.stranger.key.nodeId },
    directory: { context: "mcpfed/1 token-directory", cases: directoryCases },
    token: { text: v.token, challengeDigest: digest, issuer: v.tokenIssuer },
    issuerOf: issuerCases,
    messages: messageCases,
    redemption: {
      denomination,
      tool: intent.tool,
      requestHash: intent.request,
      resultHash: await contentHash(redemptionResult(1)),
      records: recordCases,
    },
    prices: prices.map((c) => ({ ...c, denomination })),
  });
}
