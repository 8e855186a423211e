// A node id as entries, records and grants name it. Here, below both the registry and the ledger,
// so that the registry can carry a ledger record (a rating's proof) without a cycle.
import { z } from "zod";

// No "/" so that `<origin>/<upstream>/<tool>` stays a parseable global id.
export const NODE_ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";
export const nodeId = z.string().regex(new RegExp(`^${NODE_ID_PATTERN}$`), "a node id");
