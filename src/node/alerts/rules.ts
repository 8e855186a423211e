// What an alert rule may watch, the parameters of each kind, and the rules a fresh node starts with.
import { z } from "zod";
import type { AlertRuleRow, NewAlertRule } from "../../store/alerts.ts";

export const ALERT_KINDS = ["error_rate", "peer_unreachable", "dispute", "audit_break", "definition_change"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const SEVERITIES = ["warning", "critical"] as const;

const minutes = (max: number) => z.number().int().min(1).max(max);

/** Each kind's parameters; unknown parameters are refused, missing ones take the default. */
export const PARAMS = {
  /** The share of failed calls over the last `windowMinutes` passes `threshold`, once there were `minCalls`. */
  error_rate: z.object({ threshold: z.number().min(0).max(1).default(0.2), windowMinutes: minutes(24 * 60).default(5), minCalls: z.number().int().min(1).max(1_000_000).default(10) }).strict(),
  /** An active peer has not been heard from for `minutes`. */
  peer_unreachable: z.object({ minutes: minutes(7 * 24 * 60).default(30) }).strict(),
  /** A ledger record became disputed in the last `windowMinutes`. */
  dispute: z.object({ windowMinutes: minutes(7 * 24 * 60).default(60) }).strict(),
  /** The audit chain does not verify. */
  audit_break: z.object({}).strict(),
  /** An upstream's tool definition changed and waits for the operator's approval. */
  definition_change: z.object({}).strict(),
} satisfies Record<AlertKind, z.ZodType>;

export type ParamsOf<K extends AlertKind> = z.output<(typeof PARAMS)[K]>;

export const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "a rule id is 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit");

/** A rule as the admin API takes it. */
export const ruleInput = z
  .object({
    id: ruleId.optional(),
    kind: z.enum(ALERT_KINDS),
    params: z.record(z.string(), z.number()).default({}),
    severity: z.enum(SEVERITIES).optional(),
  })
  .strict();
export type RuleInput = z.output<typeof ruleInput>;

const DEFAULT_SEVERITY: Record<AlertKind, (typeof SEVERITIES)[number]> = {
  error_rate: "warning",
  peer_unreachable: "warning",
  dispute: "warning",
  audit_break: "critical",
  definition_change: "warning",
};

/** A checked rule, ready to store; a message naming the first problem otherwise. */
export function checkedRule(input: RuleInput, randomId: () => string): { ok: true; rule: NewAlertRule } | { ok: false; message: string } {
  const params = PARAMS[input.kind].safeParse(input.params);
  if (!params.success) {
    const issue = params.error.issues[0]!;
    return { ok: false, message: `${input.kind} ${issue.path.join(".") || "params"}: ${issue.message}` };
  }
  return { ok: true, rule: { id: input.id ?? `${input.kind.replace(/_/g, "-")}-${randomId()}`, kind: input.kind, params: params.data, severity: input.severity ?? DEFAULT_SEVERITY[input.kind] } };
}

/** A stored rule's parameters with the defaults filled in (a rule stored before a parameter existed gets its default). */
export function paramsOf<K extends AlertKind>(rule: AlertRuleRow & { kind: K }): ParamsOf<K> {
  return PARAMS[rule.kind].parse(rule.params) as ParamsOf<K>;
}

/** One rule of each kind, with the defaults above: present on a fresh node until the operator removes them. */
export const DEFAULT_RULES: NewAlertRule[] = ALERT_KINDS.map((kind) => ({ id: kind.replace(/_/g, "-"), kind, params: PARAMS[kind].parse({}), severity: DEFAULT_SEVERITY[kind] }));
