// The meta-tool through which a principal manages its own credential for a per-principal upstream
// from its MCP client (a claude.ai user has no bearer token at hand): it asks for a connect link,
// or disconnects. Listed only while some upstream is per-principal.
import type { CallToolResult, Tool } from "@modelcontextprotocol/server";
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { AuditTrail } from "../access/audit/audit-trail.ts";
import type { Caller } from "../access/principals/caller.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import { anyPerPrincipalUpstream, getUpstream } from "../../store/upstreams.ts";
import { connectLink, type ConnectLinkKey } from "./connect-link.ts";
import type { UpstreamCredentials } from "./credentials.ts";
import { holdsOwnCredentials } from "./per-principal.ts";
import type { UpstreamPool } from "./pool.ts";

export const UPSTREAM_CREDENTIAL = "upstream_credential";

const args = z.object({ upstream: z.string().min(1).max(64), action: z.enum(["connect", "disconnect"]) }).strict();

export const upstreamCredentialTool: Tool = {
  name: UPSTREAM_CREDENTIAL,
  title: "Connect or disconnect your own upstream credential",
  description:
    "Some upstreams are called with each caller's own credential. action=connect returns a link where you connect (or replace) yours; action=disconnect deletes it.",
  inputSchema: {
    type: "object",
    properties: {
      upstream: { type: "string", description: "The upstream's name (a tool's mcpfed/upstream)." },
      action: { type: "string", enum: ["connect", "disconnect"] },
    },
    required: ["upstream", "action"],
  },
  annotations: { destructiveHint: true, openWorldHint: false },
};

export function perPrincipalUpstreamsExist(s: { db: Database }): Promise<boolean> {
  return anyPerPrincipalUpstream(s.db);
}

/** What the meta-tool needs: the upstreams, the principals' credentials and their sessions. */
export interface CredentialToolPorts extends ConnectLinkKey {
  db: Database;
  config: Pick<Config, "publicUrl">;
  upstreamCredentials: Pick<UpstreamCredentials, "remove">;
  pool: Pick<UpstreamPool, "close">;
  access: ConnectLinkKey["access"] & { audit: Pick<AuditTrail, "append"> };
}

function text(t: string): CallToolResult {
  return { content: [{ type: "text", text: t }] };
}

export async function callUpstreamCredentialTool(s: CredentialToolPorts, caller: Caller, raw: unknown): Promise<CallToolResult> {
  const parsed = args.safeParse(raw ?? {});
  if (!parsed.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `invalid arguments: ${parsed.error.message}`);
  const { upstream, action } = parsed.data;
  const { principal } = caller;
  if (!holdsOwnCredentials(principal.kind)) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, "only an API token or an OAuth client holds credentials of its own");
  const row = await getUpstream(s.db, upstream);
  if (!row?.perPrincipal) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `no per-principal upstream named "${upstream}"`);
  if (action === "disconnect") {
    const removed = await s.upstreamCredentials.remove(row.name, principal.id);
    await s.pool.close(row.name, principal.id);
    if (removed) caller.defer(s.access.audit.append({ actor: principal.id, action: "upstream.credential.remove", target: row.name, decision: "allow", reason: "removed by the principal (meta-tool)" }));
    return text(removed ? `Your credential for ${row.name} is removed.` : `You had no credential for ${row.name}.`);
  }
  const origin = caller.origin ?? s.config.publicUrl?.origin;
  if (!origin) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, "this node does not know its own URL; ask the operator to set PUBLIC_URL");
  const { url } = await connectLink(s, origin, row.name, principal.id);
  return text(`Open ${url} to connect your credential for ${row.name}. The link is yours alone and works for 15 minutes.`);
}
