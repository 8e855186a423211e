// The budget vectors (test/vectors/budgets/budgets.json): on each crypto path every delta verifies
// with its writer's key and not when it names another writer; the members and rights recomputed
// from the deltas are the ones stated (the rightless node's transfer counts for nothing); the
// messages parse and the refused ones do not.
import { describe, expect, it } from "vitest";
import { parseDelta, verifyDelta, type WriterKeys } from "../../src/protocol/blackboard/delta.ts";
import { rightsOf } from "../../src/protocol/blackboard/escrow.ts";
import { countedState, isBudgetDelta, membersOf } from "../../src/protocol/budgets/budget.ts";
import { budgetAskRequest, budgetAskResult, budgetSyncRequest, budgetSyncResult } from "../../src/protocol/budgets/messages.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { PATHS, vector } from "./paths.ts";

interface Party {
  nodeId: string;
  publicKey: string;
}
interface Vectors {
  owner: Party;
  member: Party;
  stranger: Party;
  deltas: { name: string; delta: unknown }[];
  members: string[];
  rights: Record<string, number>;
  notBudget: unknown;
  messages: { name: string; schema: string; message: unknown }[];
  refused: { name: string; schema: string; message: unknown }[];
}

const v = vector<Vectors>("budgets/budgets.json");
const schemas = { budgetSyncRequest, budgetSyncResult, budgetAskRequest, budgetAskResult };

describe.each(PATHS)("budget vectors (%s)", (_label, p) => {
  const keys: WriterKeys = {
    async keyOf(writer) {
      const party = [v.owner, v.member, v.stranger].find((x) => x.nodeId === writer);
      if (!party) return undefined;
      const key = await signingKey(p, party.publicKey);
      return { verify: (message, signature, context) => key.verify(signature, message, context) };
    },
  };

  it.each(v.deltas)("$name: verifies as its writer's, and as no one else's", async ({ delta }) => {
    const d = parseDelta(delta);
    expect(isBudgetDelta(d)).toBe(true);
    expect(await verifyDelta(d, keys)).toBe("valid");
    const other = d.writer === v.owner.nodeId ? v.member.nodeId : v.owner.nodeId;
    expect(await verifyDelta({ ...d, writer: other }, keys)).toBe("bad_signature");
  });

  it("members and rights: counted along transfers from the owner only", () => {
    const deltas = v.deltas.map((x) => parseDelta(x.delta));
    const owner = v.owner.nodeId;
    expect([...membersOf(owner, deltas)].sort()).toEqual(v.members);
    const state = countedState(owner, deltas);
    for (const [node, rights] of Object.entries(v.rights)) expect(rightsOf(state, owner, node)).toBe(rights);
    expect(v.rights[v.member.nodeId]).toBe(170);
    expect(isBudgetDelta(v.notBudget as never)).toBe(false);
  });
});

describe("budget messages", () => {
  it.each(v.messages)("$name parses", ({ schema, message }) => {
    expect(schemas[schema as keyof typeof schemas].safeParse(message).success).toBe(true);
  });
  it.each(v.refused)("$name is refused", ({ schema, message }) => {
    expect(schemas[schema as keyof typeof schemas].safeParse(message).success).toBe(false);
  });
});
