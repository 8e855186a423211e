// The blackboard's requests as a client makes them (MCP tools blackboard_get, blackboard_put,
// blackboard_delete): access by policy and grants as for a tool, then the consistency asked for
// (the namespace's own by default). Refusals are MCP errors whose data names the typed code.
import { ProtocolError } from "@modelcontextprotocol/server";
import type { Consistency } from "../../protocol/blackboard/namespace.ts";
import { admitCall } from "../access/admission.ts";
import type { Caller } from "../access/principals/caller.ts";
import type { Services } from "../services.ts";
import type { KeyState } from "./board.ts";
import { BlackboardError } from "./errors.ts";
import { opFor, viewOf, type DeleteArgs, type GetArgs, type PutArgs } from "./requests.ts";

export const BLACKBOARD_GET = "blackboard_get";
export const BLACKBOARD_PUT = "blackboard_put";
export const BLACKBOARD_DELETE = "blackboard_delete";
export type BlackboardTool = typeof BLACKBOARD_GET | typeof BLACKBOARD_PUT | typeof BLACKBOARD_DELETE;

/** After the access codes (src/node/access/policy/denials.ts). */
export const BLACKBOARD_ERROR = -32040;

export function blackboardRefusal(err: BlackboardError): ProtocolError {
  return new ProtocolError(BLACKBOARD_ERROR, `${err.code}: ${err.message}`, { type: err.code, message: err.message });
}

export interface BlackboardAnswer {
  namespace: string;
  key: string;
  consistency: Consistency;
  value: unknown;
  /** Hex SHA-256 of the merged state (null: nothing written): equal on replicas that agree. */
  stateHash: string | null;
  /** Session consistency only: the token to show on the next request for this key, on any replica. */
  token?: string;
}

/**
 * Policy sees a namespace as a tool: rules match `blackboard_get`, `blackboard_put` or
 * `blackboard_delete` by name, or `blackboard:<namespace>` by id (globs work), and an effect
 * `grant` asks for a permission grant for it.
 */
function asTool(tool: BlackboardTool, namespace: string) {
  return { globalId: `blackboard:${namespace}`, shortName: tool, upstream: "blackboard", tags: [] as string[], pinned: false };
}

async function serve(
  s: Services,
  caller: Caller,
  tool: BlackboardTool,
  args: GetArgs | PutArgs | DeleteArgs,
  meta: Record<string, unknown> | undefined,
  act: () => Promise<KeyState>,
): Promise<BlackboardAnswer> {
  const admitted = await admitCall(s, caller, asTool(tool, args.namespace), meta);
  try {
    const { board, sessions } = s.blackboard;
    const descriptor = await board.replicated(args.namespace);
    const consistency = args.consistency ?? descriptor.consistency;
    if (consistency === "strong") throw new BlackboardError("unsupported_consistency", "strong consistency is not served by this node");
    const client = consistency === "session" ? { principal: caller.principal.id, secret: sessionSecret(args) } : undefined;
    if (client) await sessions.reach(args.namespace, args.key, client, args.token);
    const state = await act();
    const answer: BlackboardAnswer = { namespace: args.namespace, key: args.key, consistency, value: viewOf(state.value), stateHash: state.stateHash };
    if (client) answer.token = await sessions.issue(args.namespace, args.key, client, state.vector);
    return answer;
  } catch (err) {
    if (err instanceof BlackboardError) throw blackboardRefusal(err);
    throw err;
  } finally {
    caller.defer(admitted.release());
  }
}

function sessionSecret(args: { session?: string | undefined }): string {
  if (!args.session) throw new BlackboardError("malformed", "session consistency needs the client's session secret (`session`, 16–128 characters)");
  return args.session;
}

export function blackboardGet(s: Services, caller: Caller, args: GetArgs, meta?: Record<string, unknown>): Promise<BlackboardAnswer> {
  return serve(s, caller, BLACKBOARD_GET, args, meta, () => s.blackboard.board.read(args.namespace, args.key));
}

export function blackboardPut(s: Services, caller: Caller, args: PutArgs, meta?: Record<string, unknown>): Promise<BlackboardAnswer> {
  const { board } = s.blackboard;
  return serve(s, caller, BLACKBOARD_PUT, args, meta, () => board.write(args.namespace, args.key, (held) => opFor(args.op, held, board.self)));
}

/** A register's delete, or a map field's when `field` is named. */
export function blackboardDelete(s: Services, caller: Caller, args: DeleteArgs, meta?: Record<string, unknown>): Promise<BlackboardAnswer> {
  const { board } = s.blackboard;
  const op = args.field === undefined ? ({ type: "register", op: "delete" } as const) : ({ type: "map", field: args.field, op: { type: "register", op: "delete" } } as const);
  return serve(s, caller, BLACKBOARD_DELETE, args, meta, () => board.write(args.namespace, args.key, (held) => opFor(op, held, board.self)));
}
