// The node id grammar as the registry names it. It lives in src/protocol/identity, below both the
// registry and the ledger, so that a rating entry can carry a ledger record without a folder cycle.
export { NODE_ID_PATTERN, nodeId } from "../identity/node-id.ts";
