// The operator's policy rules as stored, and the per-isolate copy the engine reads on each call.
import { z } from "zod";
import { roleSchema } from "../credentials/api-tokens.ts";
import { PRINCIPAL_KINDS } from "../principals/principal.ts";
import { tierName } from "../../trust/tiers.ts";
import { randomSecret } from "../../../secrets/token-secrets.ts";
import { CachedRead } from "../../../store/cached-read.ts";
import type { Database } from "../../../store/database.ts";
import { deletePolicyRule, insertPolicyRule, listPolicyRules, type PolicyRuleRow, type RuleAfter } from "../../../store/access/policy-rules.ts";
import { sortRules, type Rule } from "./engine.ts";

const glob = z.string().trim().min(1).max(300);

export const ruleInput = z
  .object({
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(100),
    action: z.enum(["call", "request"]).default("call"),
    effect: z.enum(["allow", "deny", "grant"]),
    subjectKind: z.enum(PRINCIPAL_KINDS).optional(),
    subjectId: glob.optional(),
    role: roleSchema.optional(),
    tag: z.string().trim().min(1).max(100).optional(),
    upstream: glob.optional(),
    tool: glob.optional(),
    visibility: z.string().trim().min(1).max(50).optional(),
    trustTier: tierName.optional(),
    ttlSeconds: z.number().int().min(1).max(30 * 86_400).optional(),
    note: z.string().max(500).optional(),
  })
  .strict()
  .refine((r) => r.action === "call" || r.effect !== "grant", {
    message: 'effect "grant" applies to call rules; request rules allow (approve) or deny',
    path: ["effect"],
  })
  .refine((r) => r.ttlSeconds === undefined || (r.action === "request" && r.effect === "allow"), {
    message: "ttlSeconds applies to request rules that approve",
    path: ["ttlSeconds"],
  });

function toRule(r: PolicyRuleRow): Rule & { note: string | null } {
  return {
    id: r.id,
    priority: r.priority,
    action: r.action,
    effect: r.effect,
    subjectKind: r.subjectKind,
    subjectId: r.subjectId,
    role: r.role,
    tag: r.tag,
    upstream: r.upstream,
    tool: r.tool,
    visibility: r.visibility,
    trustTier: r.trustTier,
    ttlSeconds: r.ttlSeconds,
    note: r.note,
  };
}

// Long enough to spare a query per call, short enough that other isolates follow an edit quickly.
const CACHE_MS = 2000;

export class PolicyStore {
  readonly #cache: CachedRead<Rule[]>;

  constructor(private readonly db: Database) {
    this.#cache = new CachedRead(async () => sortRules((await listPolicyRules(db)).map(toRule)), CACHE_MS);
  }

  /** Every rule, in the order the engine tries them. */
  rules(): Promise<Rule[]> {
    return this.#cache.get();
  }

  /**
   * Every rule in the order they are tried; with `limit`, the first ones only (after `after` when
   * given), in the store's order, so that a page's last rule is where the next page starts.
   */
  async list(limit?: number, after?: RuleAfter) {
    const rows = await listPolicyRules(this.db, limit, after);
    return limit === undefined ? sortRules(rows.map(toRule)) : rows.map(toRule);
  }

  async add(input: z.output<typeof ruleInput>) {
    const row = await insertPolicyRule(this.db, {
      id: `rule_${randomSecret(6)}`,
      priority: input.priority,
      action: input.action,
      effect: input.effect,
      subjectKind: input.subjectKind ?? null,
      subjectId: input.subjectId ?? null,
      role: input.role ?? null,
      tag: input.tag ?? null,
      upstream: input.upstream ?? null,
      tool: input.tool ?? null,
      visibility: input.visibility ?? null,
      trustTier: input.trustTier ?? null,
      ttlSeconds: input.ttlSeconds ?? null,
      note: input.note ?? null,
      createdAt: Date.now(),
    });
    this.#cache.invalidate();
    return toRule(row);
  }

  async remove(id: string): Promise<boolean> {
    const removed = await deletePolicyRule(this.db, id);
    this.#cache.invalidate();
    return removed;
  }
}
