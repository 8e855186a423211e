// Whether an edge deployment has the secrets it needs before it may serve anything. Workers and
// Deno Deploy have no disk to generate them on, so a fresh deploy starts without them.
import { REQUIRED_SECRETS, type Env, type RequiredSecret } from "./config.ts";

export interface UnsetSecret {
  name: RequiredSecret;
  /** `missing`: not set at all; `invalid`: set, but not of the required form (the value is never repeated). */
  problem: "missing" | "invalid";
}

/** The required secrets that are unset or malformed, in a fixed order; empty when the node may start. */
export function unsetSecrets(env: Env): UnsetSecret[] {
  const out: UnsetSecret[] = [];
  for (const name of Object.keys(REQUIRED_SECRETS) as RequiredSecret[]) {
    const value = env[name];
    if (value === undefined || value.trim() === "") out.push({ name, problem: "missing" });
    else if (!REQUIRED_SECRETS[name].safeParse(value).success) out.push({ name, problem: "invalid" });
  }
  return out;
}
