// A forwarder's fee (docs/protocol.md §12.5): B, which advertises `forwardFee` in its card, charges
// A per forwarded call with a ledger record of its own, between A and B only. A's intent pays for
// one envelope (its request hash is the envelope's); B signs the receipt once C took the envelope,
// and sends it sealed to A's `forward` as the first frame of the answer, before C's frames, which
// it cannot open. The record says that B forwarded an envelope to C, and nothing of the call.
import { z } from "zod";
import type { ForwardFee } from "../card/schema.ts";
import type { Pricing } from "../ledger/pricing.ts";
import { contentHash, record } from "../ledger/record.ts";

/** The card feature that says a node's card may carry `forwardFee`. */
export const FORWARD_FEE_FEATURE = "route-forward-fee";

/** The built-in "tool" of a fee record: `<forwarder>/mcpfed/forward`. */
export const FEE_TOOL = "mcpfed/forward";

/** The intent's tool: the forwarder's built-in forwarding, fingerprinted by the fee it charges. */
export async function feeTool(forwarder: string, fee: ForwardFee): Promise<{ id: string; fingerprint: string }> {
  return { id: `${forwarder}/${FEE_TOOL}`, fingerprint: await contentHash({ forward: fee }) };
}

/** The fee as a price: one call's worth. */
export const feePricing = (fee: ForwardFee): Extract<Pricing, { model: "per_call" }> => ({ model: "per_call", amount: fee.amount, unit: fee.unit });

/** The intent's request hash: the forwarded envelope, as base64url text. The intent pays for that envelope only. */
export const feeRequestHash = (envelope: string): Promise<string> => contentHash({ envelope });

/** The receipt's result hash: the node the envelope was delivered to. */
export const feeResultHash = (to: string): Promise<string> => contentHash({ forwardedTo: to });


/** B → A, first in the answer to a paid `forward`, sealed to A's message: B's pending record. */
export const forwardFeeFrame = z.strictObject({ type: z.literal("forward-fee"), receipt: record });
export type ForwardFeeFrame = z.infer<typeof forwardFeeFrame>;

/** Whether `fee` is within A's cap for its unit (FORWARD_FEE_MAX); no cap for the unit: not accepted. */
export function withinCap(fee: ForwardFee | undefined, caps: ReadonlyMap<string, number>): boolean {
  if (!fee) return true;
  const cap = caps.get(fee.unit);
  return cap !== undefined && fee.amount <= cap;
}
