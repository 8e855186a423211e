// A node id as entries, records and grants name it. Its own module so that the ledger's record,
// which a rating entry carries as proof, can name nodes without importing the entry union.
import { z } from "zod";

// No "/" so that `<origin>/<upstream>/<tool>` stays a parseable global id.
export const NODE_ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";
export const nodeId = z.string().regex(new RegExp(`^${NODE_ID_PATTERN}$`), "a node id");
