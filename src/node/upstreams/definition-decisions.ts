// The operator's side of definition pins: the changes held back, and approving or rejecting one.
// Each decision is audited; an approval refreshes the upstream at once, so the tool comes back
// with its new definition.
import type { Access } from "../access/access.ts";
import {
  approveChange,
  getChange,
  listChanges,
  rejectChange,
  type DefinitionChangeRow,
} from "../../store/definition-pins.ts";
import { refreshUpstream, type RefreshPorts, type RefreshResult } from "./refresh.ts";

export type { DefinitionChangeRow } from "../../store/definition-pins.ts";

export type DecisionPorts = RefreshPorts & { access: Pick<Access, "audit"> };

export type Decided =
  | { ok: true; change: DefinitionChangeRow; refresh?: RefreshResult | undefined }
  | { ok: false; code: "not_found" | "conflict"; message: string };

export function definitionChanges(s: Pick<RefreshPorts, "db">, filter: Parameters<typeof listChanges>[1]): Promise<DefinitionChangeRow[]> {
  return listChanges(s.db, filter);
}

export function definitionChange(s: Pick<RefreshPorts, "db">, id: number): Promise<DefinitionChangeRow | undefined> {
  return getChange(s.db, id);
}

function audited(change: DefinitionChangeRow, action: "approve" | "reject") {
  return {
    actor: "operator",
    action: `tool.definition.${action}`,
    target: `${change.upstream}/${change.tool}`,
    decision: action === "approve" ? ("allow" as const) : ("deny" as const),
    reason: `change ${change.id}`,
    details: { from: change.oldFingerprint, to: change.newFingerprint, definition: change.newDefinitionHash },
  };
}

/** Pins the change's definition (pending or rejected before) and lists the tool again. */
export async function approveDefinition(s: DecisionPorts, id: number): Promise<Decided> {
  const change = await getChange(s.db, id);
  if (!change) return { ok: false, code: "not_found", message: `no definition change ${id}` };
  if (!(await approveChange(s.db, change, Date.now()))) return { ok: false, code: "conflict", message: `change ${id} was approved already` };
  await s.access.audit.append(audited(change, "approve"));
  const refresh = await refreshUpstream(s, change.upstream);
  return { ok: true, change: (await getChange(s.db, id))!, refresh };
}

/** Keeps the tool hidden for as long as its upstream shows this definition. */
export async function rejectDefinition(s: DecisionPorts, id: number): Promise<Decided> {
  const change = await getChange(s.db, id);
  if (!change) return { ok: false, code: "not_found", message: `no definition change ${id}` };
  if (!(await rejectChange(s.db, id, Date.now()))) return { ok: false, code: "conflict", message: `change ${id} is ${change.status}, not pending` };
  await s.access.audit.append(audited(change, "reject"));
  return { ok: true, change: (await getChange(s.db, id))! };
}
