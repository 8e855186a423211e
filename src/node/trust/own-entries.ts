// The operator's own trust entries: vouching for a node (and revoking it), and rating a tool this
// node called, with the confirmed ledger record of that call as the rating's proof.
import type { Entry, Visibility } from "../../protocol/registry/entry.ts";
import type { LedgerRecord } from "../../protocol/ledger/record.ts";
import { keyOfTrust } from "../../protocol/registry/trust-entries.ts";
import { expiryAfter, publishTrust, TrustPublishError, withdrawTrust, type TrustPublishPort } from "./publish.ts";

/** What publishing this node's own entries needs of the node. */
export interface OwnEntryPorts {
  nodeId: string;
  registry: TrustPublishPort["registry"];
  gossip: TrustPublishPort["gossip"];
  /** The ledger's held records (src/node/ledger/ledger.ts), newest first. */
  ledger: { list(filter: { status: "confirmed"; peer: string; kind: "call"; limit: number }): Promise<readonly { role: string; record: string }[]> };
  /** The peers' tools as this node lists them: a rating may name one by its listed name. */
  federatedTools: { get(): Promise<readonly { shortName: string; id: string }[]> };
}

/** The publish helper's port, without a clock: its clock is in milliseconds, the node's now() in seconds. */
function port(s: OwnEntryPorts): TrustPublishPort {
  return { nodeId: s.nodeId, registry: s.registry, gossip: s.gossip };
}

/** Records searched for the proof of a rating: the newest calls to the tool's origin. */
const PROOF_SEARCH = 1000;

export interface VouchInput {
  subject: string;
  /** Percent, 1 to 100. */
  weight: number;
  scope?: string;
  /** Whole days from now until it expires. */
  days: number;
  visibility: Visibility;
}

export function vouch(s: OwnEntryPorts, v: VouchInput): Promise<Entry[]> {
  const body = { subject: v.subject, weight: v.weight, ...(v.scope ? { scope: v.scope } : {}), expiresAt: expiryAfter(v.days) };
  return publishTrust(port(s), "vouch", body, v.visibility);
}

/** Revokes the vouch for `subject` (under `scope`, or the unscoped one): tombstones wherever it went. */
export function revokeVouch(s: OwnEntryPorts, subject: string, scope?: string): Promise<Entry[]> {
  return withdrawTrust(port(s), "vouch", keyOfTrust("vouch", { subject, weight: 1, expiresAt: 0, ...(scope ? { scope } : {}) }));
}

/** There is no confirmed record of a call by this node to the tool: a rating needs one as its proof. */
export class NoProofError extends TrustPublishError {
  override name = "NoProofError";
}

export interface RatingInput {
  /** The tool's global id, `<origin>/<upstream>/<tool>`, or the name this node lists it under. */
  tool: string;
  stars: number;
  text?: string;
  visibility: Visibility;
}

/** Rates a peer's tool, proven by the newest confirmed record of this node's call to it. */
export async function rateTool(s: OwnEntryPorts, r: RatingInput): Promise<Entry[]> {
  let tool = r.tool;
  if (!tool.includes("/")) {
    const listed = (await s.federatedTools.get()).find((t) => t.shortName === tool);
    if (!listed) throw new TrustPublishError(`rating: no peer's tool is listed as ${tool}; give its global id <origin>/<upstream>/<tool>`);
    tool = listed.id;
  }
  const slash = tool.indexOf("/");
  if (slash <= 0) throw new TrustPublishError(`rating: ${tool} is not a tool's global id <origin>/<upstream>/<tool>`);
  const origin = tool.slice(0, slash);
  if (origin === s.nodeId) throw new TrustPublishError("rating: a node does not rate its own tools");
  const records = await s.ledger.list({ status: "confirmed", peer: origin, kind: "call", limit: PROOF_SEARCH });
  const proof = records
    .filter((x) => x.role === "consumer")
    .map((x) => JSON.parse(x.record) as LedgerRecord)
    .find((x) => x.intent.tool.id === tool && x.intent.consumer === s.nodeId && x.intent.provider === origin);
  if (!proof) throw new NoProofError(`rating: this node holds no confirmed record of a call to ${tool}: only a tool it used can be rated`);
  const body = { toolOrigin: origin, tool: tool.slice(slash + 1), fingerprint: proof.intent.tool.fingerprint, stars: r.stars, ...(r.text ? { text: r.text } : {}), proof };
  return publishTrust(port(s), "rating", body, r.visibility);
}
