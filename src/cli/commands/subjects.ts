// Which callers a policy rule or a limit applies to: shared by the policy and limit commands.
import type { OptionValues } from "../framework/command.ts";
import { str } from "../framework/option-values.ts";

export const SUBJECT_HELP = "client, api-token, anonymous or peer";

export function subjectOptions(o: OptionValues) {
  return { subjectKind: str(o.subject), subjectId: str(o.id) };
}
