// mcpfed://alerts on /mcp: the open alerts and the last resolved ones, for an agent that watches
// the node for its operator. Only a principal holding the alerts:read scope (an API token made
// with it) sees the resource at all; to anyone else it is not there.
import type { ReadResourceResult } from "@modelcontextprotocol/server";
import type { Database } from "../../store/database.ts";
import { ALERTS_SCOPE } from "../access/principals/scopes.ts";
import type { Principal } from "../access/principals/principal.ts";
import { alertList } from "./alerts.ts";

export const ALERTS_URI = "mcpfed://alerts";
/** Resolved alerts shown beside the open ones. */
const RECENTLY_RESOLVED = 20;
const MAX_OPEN = 200;

export const alertResources = [{ uri: ALERTS_URI, name: "alerts", title: "Alerts", description: "This node's open alerts and the last resolved ones.", mimeType: "application/json" }];

export function mayReadAlerts(principal: Principal): boolean {
  return (principal.scopes as readonly string[]).includes(ALERTS_SCOPE);
}

/** The resource for a principal who may read it; undefined for any other URI or principal. */
export async function readAlertsResource(db: Database, principal: Principal, uri: string): Promise<ReadResourceResult | undefined> {
  if (uri !== ALERTS_URI || !mayReadAlerts(principal)) return undefined;
  const [open, resolved] = await Promise.all([alertList(db, { state: "open", limit: MAX_OPEN }), alertList(db, { state: "resolved", limit: RECENTLY_RESOLVED })]);
  return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify({ open, resolved }) }] };
}
