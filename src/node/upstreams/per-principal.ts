// Per-principal upstreams: each caller reaches the upstream with its own credential, on a session
// of its own, and never with the operator's or another caller's. A caller without one is told
// where to connect it (a URL elicitation, with the URL in the message for clients without them).
import { ProtocolError, ProtocolErrorCode, UrlElicitationRequiredError } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { PrincipalKind } from "../access/principals/principal.ts";
import type { Caller } from "../access/principals/caller.ts";
import type { Config } from "../settings/config.ts";
import type { SessionOwner } from "./pool.ts";
import { liveSecrets } from "../../secrets/redactor.ts";
import type { UpstreamReach } from "../../store/sealed-fields.ts";
import type { UpstreamRow } from "../../store/upstreams.ts";
import { openTarget } from "../../store/sealed-fields.ts";
import type { UpstreamTarget } from "../../store/upstream-spec.ts";
import { connectLink, type ConnectLinkKey } from "./connect-link.ts";
import { SealedSecretError, type SecretBox } from "../../secrets/sealed-box.ts";
import { accessToken, type OAuthClientPorts, type OAuthCredential } from "./oauth-client.ts";

/** What reaching an upstream for a caller needs: its sealed settings, and the caller's own credential. */
export interface ReachPorts extends OAuthClientPorts {
  config: Pick<Config, "nodeName" | "publicUrl">;
  secrets: SecretBox;
}

/** Only principals that stay the same caller from call to call can hold a credential of their own. */
const HOLDERS: readonly PrincipalKind[] = ["client", "api-token"];

/** A header value as an HTTP client may send it: visible ASCII and spaces, no line breaks. */
export const headerValue = z
  .string()
  .min(1)
  .max(8192)
  .regex(/^[\x21-\x7e][\x20-\x7e]*$/, "must be printable ASCII without line breaks");

export function holdsOwnCredentials(kind: PrincipalKind): boolean {
  return HOLDERS.includes(kind);
}

/** How this caller reaches the upstream, and on whose session. */
export async function reachFor(
  s: ReachPorts,
  caller: Caller,
  row: UpstreamReach & { perPrincipal: UpstreamRow["perPrincipal"] },
): Promise<{ target: UpstreamTarget; owner: SessionOwner }> {
  const mode = row.perPrincipal;
  if (!mode) return { target: await openTarget(s.secrets, row), owner: {} };
  const { principal } = caller;
  if (!holdsOwnCredentials(principal.kind)) {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidRequest,
      `upstream "${row.name}" is reached with each caller's own credential; call with an API token or an OAuth sign-in to use it`,
      { type: "credential_unsupported", upstream: row.name },
    );
  }
  // One sealed under a NODE_SEED this node no longer holds is as good as none: the caller connects again.
  const held = await s.upstreamCredentials.get<string | OAuthCredential>(row.name, principal.id).catch((err: unknown) => {
    if (err instanceof SealedSecretError) return undefined;
    throw err;
  });
  if (!held || held.kind !== mode.mode) throw await connectRequired(s, caller, row.name);
  let header: string;
  let secret: string;
  if (mode.mode === "header") {
    header = mode.header;
    secret = held.value as string;
  } else {
    const origin = caller.origin ?? s.config.publicUrl?.origin ?? "";
    const token = await accessToken(s, origin, { name: row.name, url: row.url! }, principal.id, held.value as OAuthCredential);
    if (!token) throw await connectRequired(s, caller, row.name);
    header = "Authorization";
    secret = `Bearer ${token}`;
  }
  // An upstream that echoes the caller's own credential must not put it in an answer or a log.
  liveSecrets.add(secret);
  // The operator's headers are for listing the catalog; none of them rides on a principal's call.
  return { target: { name: row.name, kind: "http", url: row.url!, headers: { [header]: secret } }, owner: { principal: principal.id } };
}

/** The error that sends the caller to connect (again): `why` says what is missing. */
export async function connectRequired(s: ConnectLinkKey & { config: Pick<Config, "publicUrl"> }, caller: Caller, upstream: string, why = "needs your own credential"): Promise<ProtocolError> {
  const origin = caller.origin ?? s.config.publicUrl?.origin;
  if (!origin) {
    return new ProtocolError(ProtocolErrorCode.InvalidRequest, `upstream "${upstream}" ${why}; ask the operator how to connect it`, {
      type: "credential_required",
      upstream,
    });
  }
  const { url, id } = await connectLink(s, origin, upstream, caller.principal.id);
  const message = `upstream "${upstream}" ${why}: open ${url} to connect it, then call again`;
  return new UrlElicitationRequiredError([{ mode: "url", elicitationId: id, url, message }], message);
}
