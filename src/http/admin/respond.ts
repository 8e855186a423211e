// How the admin API answers: JSON bodies checked with zod, and errors as { error: { code, message } }.
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { liveSecrets } from "../../secrets/redactor.ts";

export type ErrorCode = "invalid_request" | "not_found" | "conflict" | "unsupported" | "bad_gateway";
const statusOf = { invalid_request: 400, not_found: 404, conflict: 409, unsupported: 400, bad_gateway: 502 } as const;

/** `reason`: an area's own, finer code beside the generic one (a package refusal's, say). */
export function fail(c: Context, code: ErrorCode, message: string, issues?: unknown, reason?: string) {
  return c.json({ error: { code, message, ...(issues ? { issues } : {}), ...(reason ? { reason } : {}) } }, statusOf[code]);
}

/**
 * Every JSON answer, redacted by value: stored text the API shows (an upstream's last error, a
 * refresh result, the invocation log) may hold an upstream's echo of its credential.
 */
export const redactAnswers: MiddlewareHandler = async (c, next) => {
  await next();
  if (liveSecrets.holdsNone || !c.res.headers.get("content-type")?.startsWith("application/json")) return;
  // The answer's own JSON text is what redactJson would test, as long as every admin answer is
  // JSON.stringify's text (c.json, fail, the config's canonical form): a route relaying another
  // program's JSON verbatim (which may escape `/` or `&`) must parse it first. Testing the text
  // spares a parse and a re-serialization of every answer that holds no secret.
  const text = await c.res.clone().text();
  if (!liveSecrets.foundIn(text)) return;
  const redacted = liveSecrets.redactJson(JSON.parse(text) as unknown);
  c.res = new Response(JSON.stringify(redacted), c.res);
  c.res.headers.delete("content-length");
};

export async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<{ ok: true; value: T } | { ok: false; res: Response }> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return { ok: false, res: fail(c, "invalid_request", "the body is not valid JSON") };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    return { ok: false, res: fail(c, "invalid_request", "the body does not match the expected shape", issues) };
  }
  return { ok: true, value: parsed.data };
}
