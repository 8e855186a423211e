// Trust for agents, as MCP resources: before calling a peer's tool, an agent reads how far this
// node trusts its provider (`trust://node/{node}`, the origin in the tool's id) or how the tool is
// rated (`trust://tool/{tool}`, the tool's global id, URI-encoded). Templates, not tools, so that
// reading trust never needs the call scope and never crowds the tool list.
import type { ReadResourceResult } from "@modelcontextprotocol/server";
import { nodeId } from "../../protocol/identity/node-id.ts";
import type { Services } from "../../node/services.ts";

const NODE = "trust://node/";
const TOOL = "trust://tool/";

export const trustTemplates: { uriTemplate: string; name: string; title: string; description: string; mimeType: string }[] = [
  {
    uriTemplate: `${NODE}{node}`,
    name: "trust-node",
    title: "This node's trust in another node",
    description: "Score in [0, 1], tier, and the evidence behind it (interactions, vouches, assertions). Read it for a tool's origin before calling the tool.",
    mimeType: "application/json",
  },
  {
    uriTemplate: `${TOOL}{tool}`,
    name: "trust-tool",
    title: "A tool's rating",
    description: "Stars from nodes that called the tool (each proven by a co-signed ledger record), weighed by this node's trust in each rater. {tool} is the tool's global id, URI-encoded.",
    mimeType: "application/json",
  },
];

function json(uri: string, body: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify(body) }] };
}

/** The resource for a trust:// URI; undefined for any other URI or a malformed one (not found). */
export async function readTrustResource(s: Services, uri: string): Promise<ReadResourceResult | undefined> {
  if (uri.startsWith(NODE)) {
    const node = nodeId.safeParse(uri.slice(NODE.length));
    if (!node.success) return undefined;
    const [standing, why] = await Promise.all([s.trust.of(node.data), s.trust.explain(node.data, 5)]);
    return json(uri, {
      node: node.data,
      score: Math.round(standing.score * 1000) / 1000,
      tier: standing.tier.name,
      tiers: s.config.trust.tiers.map((t) => t.name),
      why: { penalty: why.penalty, inflow: why.inflow, interactions: why.interactions ?? null, vouchedBy: why.vouchedBy.length, assertedBy: why.assertedBy.length, scoped: why.scoped },
    });
  }
  if (uri.startsWith(TOOL)) {
    let tool: string;
    try {
      tool = decodeURIComponent(uri.slice(TOOL.length));
    } catch {
      return undefined;
    }
    if (tool.length < 3 || tool.length > 512 || !tool.includes("/")) return undefined;
    return json(uri, await s.ratings.of(tool));
  }
  return undefined;
}
