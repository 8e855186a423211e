// The ledger's reconciliation messages of mcpfed/1, as zod schemas. Each travels as the body of
// an envelope on a federation route, like gossip's (src/protocol/messages/gossip.ts). Records inside are
// left `unknown` and verified one by one, so one bad record costs only itself.
import { z } from "zod";
import { entryShape } from "../ledger/entry.ts";

/** Records per transfer, and hash prefixes asked for per transfer. */
export const MAX_TRANSFER_RECORDS = 500;
export const MAX_WANT = 4096;

/** One round of range-based reconciliation over the records the two nodes share. */
export const ledgerReconcileRequest = z.strictObject({
  message: z.string().regex(/^[A-Za-z0-9_-]*$/).max(2 * 1024 * 1024),
});
export type LedgerReconcileRequest = z.infer<typeof ledgerReconcileRequest>;

export const ledgerReconcileReply = z.strictObject({
  message: z.string().regex(/^[A-Za-z0-9_-]*$/),
});
export type LedgerReconcileReply = z.infer<typeof ledgerReconcileReply>;

/**
 * The end of a reconciliation: the records the responder lacks, and hash prefixes the initiator
 * lacks. Records of any kind (§8, §16), each checked here only for the shape of its kind.
 */
export const ledgerTransferRequest = z.strictObject({
  records: z.array(entryShape).max(MAX_TRANSFER_RECORDS),
  want: z.array(z.string().regex(/^(?:[0-9a-f]{2}){8,32}$/)).max(MAX_WANT),
});
export type LedgerTransferRequest = z.infer<typeof ledgerTransferRequest>;

export const ledgerTransferReply = z.strictObject({
  /** How many of the sent records were refused or contradicted a held one. */
  refused: z.number().int().min(0),
  wanted: z.array(entryShape).max(MAX_WANT),
});
export type LedgerTransferReply = z.infer<typeof ledgerTransferReply>;
