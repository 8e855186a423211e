// Trust tiers: names the operator gives to ranges of the trust score, lowest first. A tier is
// what privileges are keyed by (auto-peering, rate limits, credit, policy rules, relaying), so
// the operator reasons in names, and the thresholds can move without touching the privileges.
import { z } from "zod";

export const tierName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "a tier name: lowercase letters, digits, _ and -");

export interface Tier {
  name: string;
  /** The lowest score in the tier, in [0, 1]. */
  threshold: number;
}

function pairs(text: string): [string, string][] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const i = s.lastIndexOf(":");
      return i < 0 ? [s, ""] : [s.slice(0, i).trim(), s.slice(i + 1).trim()];
    });
}

/** `name:threshold,...`, thresholds ascending from 0, e.g. `newcomer:0,known:0.25,trusted:0.5`. */
export const tiersSetting = z.string().transform((text, ctx): Tier[] => {
  const tiers: Tier[] = [];
  for (const [name, value] of pairs(text)) {
    const threshold = Number(value);
    if (!tierName.safeParse(name).success || value === "" || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
      ctx.addIssue({ code: "custom", message: `"${name}:${value}" is not name:threshold with a threshold in [0, 1]` });
      return z.NEVER;
    }
    if (tiers.some((t) => t.name === name)) {
      ctx.addIssue({ code: "custom", message: `tier "${name}" is named twice` });
      return z.NEVER;
    }
    const last = tiers.at(-1);
    if (last && threshold <= last.threshold) {
      ctx.addIssue({ code: "custom", message: "thresholds must ascend" });
      return z.NEVER;
    }
    tiers.push({ name, threshold });
  }
  if (tiers[0]?.threshold !== 0) {
    ctx.addIssue({ code: "custom", message: "the first tier must start at 0, so every node has a tier" });
    return z.NEVER;
  }
  return tiers;
});

/** `tier:value,...` for a per-tier privilege, e.g. credit `known:100,trusted:1000`. Tiers not named get none. */
export const perTierSetting = z.string().transform((text, ctx): Map<string, number> => {
  const out = new Map<string, number>();
  for (const [name, value] of pairs(text)) {
    const n = Number(value);
    if (!tierName.safeParse(name).success || value === "" || !Number.isFinite(n) || n < 0) {
      ctx.addIssue({ code: "custom", message: `"${name}:${value}" is not tier:value with a value ≥ 0` });
      return z.NEVER;
    }
    out.set(name, n);
  }
  return out;
});

/** Per-tier quotas, or `off` for none at all (an empty setting is the default, as for every setting). */
export const dailyQuotasSetting = z.union([z.literal("off").transform(() => new Map<string, number>()), perTierSetting]);

export const DEFAULT_TIERS = "newcomer:0,known:0.25,trusted:0.5,core:0.8";

/**
 * Requests in any 24 hours a peer may make by default: a peer that has earned nothing here about three
 * a minute over the day, taken in bursts if it likes, a known peer ten times that, and trusted and
 * core peers no quota.
 */
export const DEFAULT_DAILY_QUOTAS = "newcomer:5000,known:50000";

/** The tier a score falls in: the highest whose threshold it reaches. */
export function tierOf(tiers: readonly Tier[], score: number): Tier {
  let found = tiers[0]!;
  for (const t of tiers) if (score >= t.threshold) found = t;
  return found;
}

/** Whether `tier` is `least` or above it; an unknown name is above nothing. */
export function atLeast(tiers: readonly Tier[], tier: string, least: string): boolean {
  const i = tiers.findIndex((t) => t.name === tier);
  const j = tiers.findIndex((t) => t.name === least);
  return i >= 0 && j >= 0 && i >= j;
}
