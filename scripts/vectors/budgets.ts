// Budget vectors (docs/protocol.md §17.9): one budget's signed deltas (the owner's
// allocation, its transfer to a member, that member's transfer on to a third node and a spend,
// and a transfer by a node never given rights), the members and each node's rights they make;
// budget-sync and budget-ask messages as sent, and messages a receiver refuses at its schema.
import { signDelta, type UnsignedDelta } from "../../src/protocol/blackboard/delta.ts";
import { rightsOf } from "../../src/protocol/blackboard/escrow.ts";
import { countedState, isBudgetDelta, membersOf } from "../../src/protocol/budgets/budget.ts";
import { budgetAskRequest, budgetAskResult, budgetSyncRequest, budgetSyncResult } from "../../src/protocol/budgets/messages.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { agree, b64, write } from "./common.ts";

interface Party {
  seed: Uint8Array;
  key: SigningKey;
}

export async function budgetVectors(o: { owner: Party; member: Party; stranger: Party }): Promise<void> {
  const [owner, member, stranger] = [o.owner.key.nodeId, o.member.key.nodeId, o.stranger.key.nodeId];
  const budget = { owner, task: "t1", unit: "credit" as const };
  const at = (ms: number) => (0x019b76daa800 + ms).toString(16).padStart(12, "0") + "0000";
  const d = (writer: string, ms: number, op: UnsignedDelta["op"]): UnsignedDelta => ({ namespace: `${owner}/budgets`, key: "credit:t1", hlc: at(ms), writer, op });
  const keyOf = (id: string) => [o.owner, o.member, o.stranger].find((x) => x.key.nodeId === id)!.key;
  const sign = (u: UnsignedDelta) => signDelta(u, { nodeId: u.writer, sign: (m, c) => keyOf(u.writer).signer.sign(m, c) });

  const deltas = [
    { name: "owner allocates 600", delta: await sign(d(owner, 0, { type: "escrow", owner, op: "allocate", total: 600 })) },
    { name: "owner gives the member 200", delta: await sign(d(owner, 1, { type: "escrow", owner, op: "transfer", to: member, total: 200 })) },
    { name: "the member spends 30 (running total)", delta: await sign(d(member, 2, { type: "escrow", owner, op: "spend", total: 30 })) },
    { name: "the stranger, never given rights, gives the member 500: counts for nothing", delta: await sign(d(stranger, 3, { type: "escrow", owner, op: "transfer", to: member, total: 500 })) },
  ];
  const unsigned = deltas.map((x) => x.delta);
  const state = countedState(owner, unsigned);
  const members = [...membersOf(owner, unsigned)].sort();
  agree("members", [owner, member].sort(), members);
  const rights = Object.fromEntries([owner, member, stranger].map((n) => [n, rightsOf(state, owner, n)]));
  agree("rights", { [owner]: 400, [member]: 170, [stranger]: 0 }, rights);
  const notBudget = d(owner, 4, { type: "escrow", owner: member, op: "spend", total: 1 });
  agree("not a budget's", false, isBudgetDelta(notBudget));

  const have = [
    { writer: owner, kind: "allocate", receiver: "", total: 600 },
    { writer: owner, kind: "transfer", receiver: member, total: 200 },
  ];
  const messages = [
    { name: "budget-sync request", schema: "budgetSyncRequest", message: { type: "budget-sync", budget, have, deltas: [deltas[2]!.delta] } },
    { name: "budget-sync answer", schema: "budgetSyncResult", message: { type: "budget-sync", have, deltas: [deltas[0]!.delta, deltas[1]!.delta], refused: 0 } },
    { name: "budget-ask request", schema: "budgetAskRequest", message: { type: "budget-ask", budget, amount: 50 } },
    { name: "budget-ask answer with a transfer", schema: "budgetAskResult", message: { type: "budget-ask", granted: 200, transfer: deltas[1]!.delta } },
    { name: "budget-ask answer giving nothing", schema: "budgetAskResult", message: { type: "budget-ask", granted: 0 } },
  ];
  const refused = [
    { name: "unknown unit", schema: "budgetAskRequest", message: { type: "budget-ask", budget: { ...budget, unit: "usd" }, amount: 5 } },
    { name: "amount 0", schema: "budgetAskRequest", message: { type: "budget-ask", budget, amount: 0 } },
    { name: "task with a slash", schema: "budgetSyncRequest", message: { type: "budget-sync", budget: { ...budget, task: "a/b" }, have: [], deltas: [] } },
    { name: "unknown field", schema: "budgetSyncRequest", message: { type: "budget-sync", budget, have: [], deltas: [], extra: 1 } },
    { name: "summary kind unknown", schema: "budgetSyncResult", message: { type: "budget-sync", have: [{ writer: owner, kind: "mint", receiver: "", total: 1 }], deltas: [], refused: 0 } },
    { name: "33 deltas in one page", schema: "budgetSyncRequest", message: { type: "budget-sync", budget, have: [], deltas: Array.from({ length: 33 }, () => deltas[2]!.delta) } },
  ];
  const schemas = { budgetSyncRequest, budgetSyncResult, budgetAskRequest, budgetAskResult };
  for (const m of messages) agree(m.name, true, schemas[m.schema as keyof typeof schemas].safeParse(m.message).success);
  for (const m of refused) agree(m.name, false, schemas[m.schema as keyof typeof schemas].safeParse(m.message).success);

  write("budgets/budgets.json", {
    owner: { seed: b64(o.owner.seed), nodeId: owner, publicKey: b64(o.owner.key.signer.publicKey) },
    member: { seed: b64(o.member.seed), nodeId: member, publicKey: b64(o.member.key.signer.publicKey) },
    stranger: { seed: b64(o.stranger.seed), nodeId: stranger, publicKey: b64(o.stranger.key.signer.publicKey) },
    budget,
    deltas,
    members,
    rights,
    notBudget,
    messages,
    refused,
  });
}
