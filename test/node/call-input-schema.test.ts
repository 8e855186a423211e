// The schema a 2026-07-28 tools/call's parameter headers are judged by: the node's own tools are
// answered without a lookup (search_tools is called on every search), a catalog tool from the
// kept lookup, a peer's from the federated view.
import { describe, expect, test } from "vitest";
import { callInputSchema } from "../../src/node/catalog/call-input-schema.ts";
import { CallableTools, type CallableKey } from "../../src/node/catalog/callable-tools.ts";
import type { ListedFederatedTool } from "../../src/node/catalog/federated-view.ts";
import { ANONYMOUS } from "../../src/node/access/principals/principal.ts";
import type { Callable } from "../../src/store/catalog.ts";

const LOCAL_SCHEMA = { type: "object", properties: { region: { type: "string", "x-mcp-header": "Region" } } };
const PEER_SCHEMA = { type: "object", properties: { zone: { type: "string", "x-mcp-header": "Zone" } } };

function ports() {
  const loads: string[] = [];
  let federatedReads = 0;
  const callables = new CallableTools(async (by: CallableKey) => {
    const name = "shortName" in by ? by.shortName : by.globalId;
    loads.push(name);
    return name === "up_forecast" ? ({ shortName: name, globalId: `node/up/forecast`, upstream: "up", tags: [], inputSchema: LOCAL_SCHEMA } as unknown as Callable) : undefined;
  });
  const peerTool = { shortName: "peer_zone", id: "peer/up/zone", origin: "peer", upstream: "up", tags: [], definition: { name: "zone", inputSchema: PEER_SCHEMA } } as unknown as ListedFederatedTool;
  const s = {
    callables,
    federatedTools: { get: async () => (federatedReads++, [peerTool]) },
    access: { policy: { rules: async () => [] } },
  };
  return { s, loads, federatedReads: () => federatedReads };
}

const caller = { id: ANONYMOUS.id, principal: ANONYMOUS, defer: () => {}, origin: "http://localhost" };

describe("callInputSchema", () => {
  test("the node's own tools declare no headers and are not looked up", async () => {
    const { s, loads, federatedReads } = ports();
    for (const name of ["search_tools", "call_tool", "agent_discover"]) expect(await callInputSchema(s, caller, name)).toBeUndefined();
    expect(loads).toEqual([]);
    expect(federatedReads()).toBe(0);
  });

  test("a catalog tool's schema comes from the kept lookup, a peer's from the federated view", async () => {
    const { s, loads } = ports();
    expect(await callInputSchema(s, caller, "up_forecast")).toEqual(LOCAL_SCHEMA);
    expect(await callInputSchema(s, caller, "up_forecast")).toEqual(LOCAL_SCHEMA);
    expect(loads).toEqual(["up_forecast"]);
    expect(await callInputSchema(s, caller, "peer_zone")).toEqual(PEER_SCHEMA);
    expect(await callInputSchema(s, caller, "nowhere")).toBeUndefined();
  });
});
