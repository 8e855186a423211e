// The forwarding fee's vectors (docs/protocol.md §12.5, test/vectors/routes/forward-fee.json): the
// fee as a card names it, the fee record's tool, request and result hashes, A's intent in a
// `forward` message, B's fee frame with its pending record, the record A countersigns, what B's
// acceptance says of the intent and of others, and fees, messages and frames that do not parse.
// Every expectation is checked against the code before it is written.
import { forwardFee, type ForwardFee } from "../../src/protocol/card/schema.ts";
import { acceptIntent } from "../../src/protocol/ledger/acceptance.ts";
import type { Intent, SignedIntent } from "../../src/protocol/ledger/record.ts";
import { countersign, INTENT_CONTEXT, intentBytes, signReceipt, type LedgerSigner } from "../../src/protocol/ledger/signing.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { forwardRequest } from "../../src/protocol/routes/forward.ts";
import { feePricing, feeRequestHash, feeResultHash, feeTool, forwardFeeFrame, withinCap } from "../../src/protocol/routes/forward-fee.ts";
import type { Party } from "./composite.ts";
import { agree, b64, verifierOf, write } from "./common.ts";

const signerOf = (k: SigningKey): LedgerSigner => ({ nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c) });

export async function forwardFeeVectors(v: { consumer: Party; forwarder: Party; stranger: Party }): Promise<void> {
  const fee: ForwardFee = { amount: 3, unit: "credits" };
  const destination = v.stranger.key.nodeId;
  /** Stands for the envelope A sealed to C (§12.3): the fee binds its text, and B never opens it. */
  const envelope = "ZW52ZWxvcGUtc2VhbGVkLXRvLUM";
  const tool = await feeTool(v.forwarder.key.nodeId, fee);
  const intent: Intent = {
    v: "mcpfed/1",
    id: "55".repeat(32),
    consumer: v.consumer.key.nodeId,
    provider: v.forwarder.key.nodeId,
    tool,
    request: await feeRequestHash(envelope),
    price: feePricing(fee),
    requestedAt: 1_767_225_600_000,
  };
  const sent: SignedIntent = { intent, sig: b64(await v.consumer.key.signer.sign(intentBytes({ intent }), INTENT_CONTEXT)) };
  const pending = await signReceipt(signerOf(v.forwarder.key), sent, { result: { forwardedTo: destination }, durationMs: 0, completedAt: intent.requestedAt + 12 });
  agree("the receipt's result is the delivery's hash", await feeResultHash(destination), pending.receipt.result);
  agree("the receipt charges the fee", { units: 1, amount: 3, unit: "credits" }, { units: pending.receipt.units, amount: pending.receipt.amount, unit: pending.receipt.unit });
  const verifier = verifierOf([v.consumer, v.forwarder]);
  const record = await countersign(signerOf(v.consumer.key), verifier, sent, pending, 20);

  const message = { type: "forward", to: destination, envelope, fee: sent };
  agree("the forward message with its fee parses", true, forwardRequest.safeParse(message).success);
  const frame = { type: "forward-fee", receipt: pending };
  agree("the fee frame parses", true, forwardFeeFrame.safeParse(frame).success);

  const offer = { self: v.forwarder.key.nodeId, tool, pricing: feePricing(fee), now: intent.requestedAt };
  agree("B accepts the intent", true, (await acceptIntent(verifier, sent, offer)).ok);
  const refusedIntents = [
    { name: "B's fee is now 4 credits: another tool fingerprint", offer: { ...offer, tool: await feeTool(offer.self, { amount: 4, unit: "credits" }), pricing: feePricing({ amount: 4, unit: "credits" }) }, reason: "wrong_tool" },
    { name: "addressed to another forwarder", offer: { ...offer, self: destination }, reason: "not_addressed" },
  ];
  for (const r of refusedIntents) agree(`intent: ${r.name}`, { ok: false, reason: r.reason }, await acceptIntent(verifier, sent, r.offer));

  const badFees = [
    { name: "a zero amount", fee: { amount: 0, unit: "credits" } },
    { name: "a fractional amount", fee: { amount: 1.5, unit: "credits" } },
    { name: "a unit with a space", fee: { amount: 1, unit: "two words" } },
    { name: "another field", fee: { amount: 1, unit: "credits", per: "call" } },
  ];
  for (const b of badFees) agree(`fee: ${b.name}`, false, forwardFee.safeParse(b.fee).success);
  const badMessages = [
    { name: "a fee without its signature", message: { ...message, fee: { intent } } },
    { name: "a fee that is a bare amount", message: { ...message, fee: 3 } },
  ];
  for (const b of badMessages) agree(`message: ${b.name}`, false, forwardRequest.safeParse(b.message).success);
  const badFrames = [
    { name: "another frame type", frame: { ...frame, type: "answer" } },
    { name: "a receipt that is not a record", frame: { ...frame, receipt: { amount: 3 } } },
  ];
  for (const b of badFrames) agree(`frame: ${b.name}`, false, forwardFeeFrame.safeParse(b.frame).success);

  const caps = new Map([["credits", 5]]);
  const capCases = [
    { fee, caps: { credits: 5 }, within: true },
    { fee: { amount: 6, unit: "credits" }, caps: { credits: 5 }, within: false },
    { fee: { amount: 1, unit: "eur" }, caps: { credits: 5 }, within: false },
  ];
  for (const c of capCases) agree(`cap: ${c.fee.amount} ${c.fee.unit}`, c.within, withinCap(c.fee, caps));

  write("routes/forward-fee.json", {
    about:
      "The forwarding fee (docs/protocol.md §12.5): `consumer` (A) pays `forwarder` (B) `fee` for forwarding `envelope` to `destination`. " +
      "The intent's tool, request and price; the `forward` message with it; B's fee frame with its pending record; the record A countersigns (composite, deterministic ML-DSA). " +
      "`refusedIntents` get `reason` from B's acceptance; `badFees`, `badMessages`, `badFrames` do not parse; `capCases` say whether a fee is within A's FORWARD_FEE_MAX.",
    consumer: { nodeId: v.consumer.key.nodeId, publicKey: b64(v.consumer.key.signer.publicKey) },
    forwarder: { nodeId: v.forwarder.key.nodeId, publicKey: b64(v.forwarder.key.signer.publicKey) },
    destination,
    fee,
    envelope,
    tool,
    requestHash: intent.request,
    resultHash: pending.receipt.result,
    message,
    frame,
    record,
    refusedIntents: refusedIntents.map((r) => ({ name: r.name, offer: { self: r.offer.self, tool: r.offer.tool, pricing: r.offer.pricing }, reason: r.reason })),
    badFees,
    badMessages,
    badFrames,
    capCases,
  });
}
