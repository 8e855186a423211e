// The parties of an invoice: this node's operator details (legal name, address, tax id, contact,
// the taxes it charges, its invoices' language and reporting currency) and the details the operator
// keeps for each peer. Checked on the way in: text is bounded and holds no control characters
// (an address may hold line breaks); HTML escaping is the renderer's job, not this one's.
import { z } from "zod";
import { currencyUnit } from "../../protocol/ledger/pricing.ts";
import { DECIMAL } from "../../protocol/ledger/currencies.ts";
import type { Database } from "../../store/database.ts";
import { billingDetailsOf, removeBillingDetails, setBillingDetails } from "../../store/money.ts";
import { listPeers, type Peer } from "../../store/peers.ts";
import { aliasOf } from "../catalog/federated-view.ts";
import { INVOICE_LANGUAGES } from "./labels.ts";

/** One line of text: no control characters at all. */
const line = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, "no control characters");
/** An address: lines separated by \n, no other control character. */
const address = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^\p{Cc}]*(\n[^\p{Cc}]*)*$/u, "lines separated by \\n, no other control characters");

export const taxRate = z
  .object({
    name: line(40),
    /** A decimal string, 0 to 100: "19", "7.5". */
    percent: z
      .string()
      .regex(DECIMAL, "a decimal number such as 19 or 7.5")
      .refine((p) => Number(p) <= 100, "at most 100"),
  })
  .strict();
export type TaxRate = z.infer<typeof taxRate>;

const taxes = z.array(taxRate).max(8);

/** This node's operator, as its invoices name it. */
export const ownDetails = z
  .object({
    legalName: line(200),
    address: address.optional(),
    taxId: line(64).optional(),
    contact: line(200).optional(),
    /** Taxes charged on this node's charges, unless a peer's details say otherwise. */
    taxes: taxes.default([]),
    /** The invoice number's prefix: "INV-" makes INV-000042. */
    invoicePrefix: z
      .string()
      .regex(/^[A-Za-z0-9/_-]{0,16}$/, "up to 16 letters, digits, / _ -")
      .default("INV-"),
    /** The language invoices are rendered in when none is asked for. */
    language: z.enum(INVOICE_LANGUAGES).default("en"),
    /** The unit reports add a converted column in, where a rate exists. */
    reportingCurrency: currencyUnit.optional(),
    /** Printed under the totals: payment terms, bank details. */
    note: z.string().max(1000).regex(/^[^\p{Cc}]*(\n[^\p{Cc}]*)*$/u, "lines separated by \\n, no other control characters").optional(),
  })
  .strict();
export type OwnDetails = z.infer<typeof ownDetails>;

/** What the operator keeps of a peer beside its card. `taxes` replaces this node's own for that peer ([] for none). */
export const peerDetails = z
  .object({
    legalName: line(200).optional(),
    address: address.optional(),
    taxId: line(64).optional(),
    contact: line(200).optional(),
    taxes: taxes.optional(),
  })
  .strict();
export type PeerDetails = z.infer<typeof peerDetails>;

const SELF = "self";

export async function ownBillingDetails(db: Database): Promise<OwnDetails | undefined> {
  const text = await billingDetailsOf(db, SELF);
  return text === undefined ? undefined : ownDetails.parse(JSON.parse(text));
}

export async function setOwnBillingDetails(db: Database, d: OwnDetails): Promise<void> {
  await setBillingDetails(db, SELF, JSON.stringify(d));
}

export async function peerBillingDetails(db: Database, peer: string): Promise<PeerDetails | undefined> {
  const text = await billingDetailsOf(db, `peer:${peer}`);
  return text === undefined ? undefined : peerDetails.parse(JSON.parse(text));
}

export async function setPeerBillingDetails(db: Database, peer: string, d: PeerDetails): Promise<void> {
  await setBillingDetails(db, `peer:${peer}`, JSON.stringify(d));
}

export function removePeerBillingDetails(db: Database, peer: string): Promise<boolean> {
  return removeBillingDetails(db, `peer:${peer}`);
}

/** A peer named by its node id or the alias its tools are listed under. */
export async function peerNamed(db: Database, name: string): Promise<Peer | undefined> {
  const peers = await listPeers(db);
  return peers.find((p) => p.nodeId === name) ?? peers.find((p) => aliasOf(p.nodeId, p) === name);
}
