// What an upstream may ask the person behind a call, in the era-neutral shape both eras share:
// an old-era server-initiated request and a 2026-07-28 inputRequests entry are both {method, params}.
import { z } from "zod";

export const INPUT_METHODS = ["elicitation/create", "sampling/createMessage", "roots/list"] as const;
export type InputMethod = (typeof INPUT_METHODS)[number];

export interface InputRequest {
  method: InputMethod;
  params?: Record<string, unknown> | undefined;
}

/** The bare result the client gave for one input request. */
export type InputResponse = Record<string, unknown>;

/** Puts one question to whoever is behind the call, and waits for the answer. */
export type Ask = (request: InputRequest, signal: AbortSignal) => Promise<InputResponse>;

/** The interactive capabilities a client declared, as the spec names them. */
export interface InteractiveCapabilities {
  elicitation?: Record<string, unknown> | undefined;
  sampling?: Record<string, unknown> | undefined;
  roots?: Record<string, unknown> | undefined;
}

/** Who answers what an upstream asks during one call: the caller, through `ask`. */
export interface Interaction {
  capabilities: InteractiveCapabilities;
  ask: Ask;
  /** The upstream's log messages on this call's own session, at `logLevel` or above (src/node/relay/upstream-logs.ts). */
  onlog?: ((params: Record<string, unknown>) => void) | undefined;
  logLevel?: "debug" | "info" | "notice" | "warning" | "error" | "critical" | "alert" | "emergency" | undefined;
}

export const interactiveCapabilities = z
  .looseObject({
    elicitation: z.looseObject({}).optional(),
    sampling: z.looseObject({}).optional(),
    roots: z.looseObject({}).optional(),
  })
  .transform((c): InteractiveCapabilities => ({
    ...(c.elicitation ? { elicitation: c.elicitation } : {}),
    ...(c.sampling ? { sampling: c.sampling } : {}),
    ...(c.roots ? { roots: c.roots } : {}),
  }));

/** The retry's answers: one bare result object per key. */
export const inputResponses = z.record(z.string().min(1).max(128), z.looseObject({}));

/** The retry's inputResponses are not a map of result objects. */
export class InputResponsesError extends Error {
  override name = "InputResponsesError";
}

/** The client's answers as the SDK lifted them, checked: one result object per key. */
export function clientAnswers(raw: unknown): Record<string, InputResponse> | undefined {
  if (raw === undefined) return undefined;
  const answers = inputResponses.safeParse(raw);
  if (!answers.success) throw new InputResponsesError("inputResponses must map each key to a result object");
  return answers.data;
}

export function canAnswer(caps: InteractiveCapabilities): boolean {
  return caps.elicitation !== undefined || caps.sampling !== undefined || caps.roots !== undefined;
}

/** Whether the client declared what this request needs (an elicitation's mode included). */
export function declares(caps: InteractiveCapabilities, request: InputRequest): boolean {
  switch (request.method) {
    case "sampling/createMessage":
      return caps.sampling !== undefined;
    case "roots/list":
      return caps.roots !== undefined;
    case "elicitation/create": {
      if (caps.elicitation === undefined) return false;
      const mode = request.params?.mode ?? "form";
      // An empty elicitation capability means form only (2025-11-25).
      const modes = Object.keys(caps.elicitation);
      return modes.length === 0 ? mode === "form" : modes.includes(String(mode));
    }
  }
}
