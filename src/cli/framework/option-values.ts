// Option values as parseArgs leaves them, read into what the admin API takes.
import { UsageError } from "./errors.ts";

/** A comma-separated list. */
export function list(v: unknown): string[] | undefined {
  if (typeof v !== "string") return undefined;
  return v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

/** A whole number in [min, max], or a usage error naming the option. */
export function whole(v: unknown, option: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${option} wants a whole number from ${min} to ${max}`);
  return n;
}

/** A string option's value, if it was given. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
