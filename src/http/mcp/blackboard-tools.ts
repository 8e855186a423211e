// The blackboard's MCP tools (protocol §17.5–17.8): get, put and delete on a namespace's key, with the
// consistency asked for. Session answers carry a token to show on the next request for the key;
// strong answers the key's log slot, and a compare-and-set whether it swapped.
import type { CallToolResult, Tool } from "@modelcontextprotocol/server";
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";
import type { Services } from "../../node/services.ts";
import { deleteArgs, getArgs, putArgs } from "../../node/blackboard/requests.ts";
import { BLACKBOARD_DELETE, BLACKBOARD_GET, BLACKBOARD_PUT, BLACKBOARD_WATCH, blackboardDelete, blackboardGet, blackboardPut, type BlackboardAnswer } from "../../node/blackboard/serve.ts";
import { blackboardWatch, MAX_WATCH_ITEMS, MAX_WATCH_MS, watchArgs, type WatchAnswer } from "../../node/blackboard/watch.ts";

const target = {
  namespace: { type: "string", description: "<creator node id>/<name>" },
  key: { type: "string", minLength: 1, maxLength: 256 },
  consistency: { type: "string", enum: ["eventual", "session", "strong"], description: "Defaults to the namespace's." },
  session: { type: "string", minLength: 16, maxLength: 128, description: "Session consistency: a secret the client keeps for its session, the same on every node." },
  token: { type: "string", description: "Session consistency: the token of the last answer for this key." },
};
const fieldOp = {
  type: "object",
  description: '{type:"register",op:"set",value} | {type:"register",op:"delete"} | {type:"counter",op:"add",amount} | {type:"set",op:"add"|"remove",element}',
  properties: { type: { type: "string", enum: ["register", "counter", "set"] }, op: { type: "string" }, value: {}, amount: { type: "integer" }, element: { type: "string" } },
  required: ["type", "op"],
};
const answerSchema = {
  type: "object",
  properties: {
    namespace: { type: "string" },
    key: { type: "string" },
    consistency: { type: "string" },
    value: {},
    stateHash: { type: ["string", "null"] },
    token: { type: "string" },
    slot: { type: "integer" },
    swapped: { type: "boolean" },
  },
  required: ["namespace", "key", "consistency", "value", "stateHash"],
};

export const blackboardTools: Tool[] = [
  {
    name: BLACKBOARD_GET,
    title: "Read a blackboard key",
    description: "Reads a key of a shared blackboard namespace this node replicates: a register's value, a counter's total, a set's elements, a map's fields.",
    inputSchema: { type: "object", properties: target, required: ["namespace", "key"] },
    outputSchema: answerSchema,
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: BLACKBOARD_PUT,
    title: "Write a blackboard key",
    description:
      "Writes a key of a shared blackboard namespace: set a register, add to a counter, add or remove a set element, or any of these on a map's field ({type:\"map\", field, op}). A strong namespace holds registers: set one, or compare-and-set it with `expected`.",
    inputSchema: {
      type: "object",
      properties: {
        ...target,
        op: { oneOf: [fieldOp, { type: "object", properties: { type: { const: "map" }, field: { type: "string" }, op: fieldOp }, required: ["type", "field", "op"] }] },
        expected: { type: ["object", "null"], properties: { value: {} }, required: ["value"], description: "Strong consistency: set only if the register holds {value} (null: holds nothing)." },
      },
      required: ["namespace", "key", "op"],
    },
    outputSchema: answerSchema,
    annotations: { readOnlyHint: false, openWorldHint: false },
  },
  {
    name: BLACKBOARD_DELETE,
    title: "Delete a blackboard register",
    description: "Deletes a register's value (or a map field's register when `field` is named); a later write wins over it as over any write.",
    inputSchema: { type: "object", properties: { ...target, field: { type: "string" } }, required: ["namespace", "key"] },
    outputSchema: answerSchema,
    annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
  },
  {
    name: BLACKBOARD_WATCH,
    title: "Watch a blackboard namespace",
    description:
      "The keys of a namespace that changed on this node after `cursor`, each once with its value now, and the cursor to give next. With wait_ms, waits for a change when there is none yet (answering as soon as one is stored here). Not for strong namespaces.",
    inputSchema: {
      type: "object",
      properties: {
        namespace: target.namespace,
        prefix: { type: "string", minLength: 1, maxLength: 256, description: "Only keys starting with this." },
        cursor: { type: "string", description: "The last answer's cursor; absent: from the start." },
        limit: { type: "integer", minimum: 1, maximum: MAX_WATCH_ITEMS },
        wait_ms: { type: "integer", minimum: 0, maximum: MAX_WATCH_MS },
      },
      required: ["namespace"],
    },
    outputSchema: {
      type: "object",
      properties: {
        namespace: { type: "string" },
        cursor: { type: "string" },
        changes: { type: "array", items: { type: "object", properties: { key: { type: "string" }, value: {}, stateHash: { type: "string" } }, required: ["key", "value", "stateHash"] } },
        more: { type: "boolean" },
      },
      required: ["namespace", "cursor", "changes", "more"],
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
];

export const isBlackboardTool = (name: string) => name === BLACKBOARD_GET || name === BLACKBOARD_PUT || name === BLACKBOARD_DELETE || name === BLACKBOARD_WATCH;

function parsed<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, v: unknown): T {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `invalid arguments: ${r.error.message}`);
  return r.data;
}

export async function callBlackboardTool(s: Services, caller: Caller, name: string, args: unknown, meta: Record<string, unknown> | undefined, signal?: AbortSignal): Promise<CallToolResult> {
  let answer: BlackboardAnswer | WatchAnswer;
  const who = { caller, meta };
  if (name === BLACKBOARD_WATCH) answer = await blackboardWatch(s, who, parsed(watchArgs, args), signal);
  else if (name === BLACKBOARD_GET) answer = await blackboardGet(s, who, parsed(getArgs, args));
  else if (name === BLACKBOARD_PUT) answer = await blackboardPut(s, who, parsed(putArgs, args));
  else answer = await blackboardDelete(s, who, parsed(deleteArgs, args));
  return { content: [{ type: "text", text: JSON.stringify(answer) }], structuredContent: answer as unknown as Record<string, unknown> };
}
