// The blackboard's requests as a client makes them (MCP tools blackboard_get, blackboard_put,
// blackboard_delete): access by policy and grants as for a tool, then the consistency asked for
// (the namespace's own by default). A strong namespace's keys live in its log at their homes
// (strong.ts), not in the CRDT store, so it serves strong requests only, and only it does.
// Refusals are MCP errors whose data names the typed code.
import { ProtocolError } from "@modelcontextprotocol/server";
import type { Consistency } from "../../protocol/blackboard/namespace.ts";
import { admitCall, type AdmissionPorts } from "../access/admission.ts";
import type { Caller } from "../access/principals/caller.ts";
import type { Blackboard, KeyState } from "./board.ts";
import type { BlackboardSessions } from "./sessions.ts";
import type { StrongBlackboard } from "./strong.ts";
import type { StrongOp } from "../../protocol/blackboard/strong-log.ts";
import type { StrongOutcome } from "../../protocol/messages/blackboard-strong.ts";
import { BlackboardError } from "./errors.ts";
import { opFor, strongOpFor, viewOf, type DeleteArgs, type GetArgs, type PutArgs } from "./requests.ts";

export const BLACKBOARD_GET = "blackboard_get";
export const BLACKBOARD_PUT = "blackboard_put";
export const BLACKBOARD_DELETE = "blackboard_delete";
export const BLACKBOARD_WATCH = "blackboard_watch";
export type BlackboardTool = typeof BLACKBOARD_GET | typeof BLACKBOARD_PUT | typeof BLACKBOARD_DELETE | typeof BLACKBOARD_WATCH;

/** After the access codes (src/node/access/policy/denials.ts). */
export const BLACKBOARD_ERROR = -32040;

export function blackboardRefusal(err: BlackboardError): ProtocolError {
  return new ProtocolError(BLACKBOARD_ERROR, `${err.code}: ${err.message}`, { type: err.code, message: err.message, ...(err.applied ? { applied: err.applied } : {}) });
}

/** What serving needs: access (policy, grants, limits, audit) and the blackboard. */
export interface BlackboardPorts extends AdmissionPorts {
  blackboard: { board: Blackboard; sessions: BlackboardSessions };
  strong: { board: Pick<StrongBlackboard, "run"> };
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
  /** Strong consistency only: the key's log slot the operation read or committed. */
  slot?: number;
  /** Strong compare-and-set only: whether the key held the expected value and now holds the new one. */
  swapped?: boolean;
}

/**
 * Policy sees a namespace as a tool: rules match `blackboard_get`, `blackboard_put`,
 * `blackboard_delete` or `blackboard_watch` by name, or `blackboard:<namespace>` by id (globs work), and an effect
 * `grant` asks for a permission grant for it.
 */
export function asTool(tool: BlackboardTool, namespace: string) {
  return { globalId: `blackboard:${namespace}`, shortName: tool, upstream: "blackboard", tags: [] as string[], pinned: false };
}

/** Who asks: a client, admitted by policy and grants, or the operator through the admin API, who needs neither. */
export type Requester = { caller: Caller; meta?: Record<string, unknown> | undefined } | "operator";

/** How one request runs: on the CRDT store (eventual, session), or as strong consistency's op. */
interface Act {
  crdt(): Promise<KeyState>;
  strong(): StrongOp;
}

async function serve(s: BlackboardPorts, who: Requester, tool: BlackboardTool, args: GetArgs | PutArgs | DeleteArgs, act: Act): Promise<BlackboardAnswer> {
  const admitted = who === "operator" ? undefined : await admitCall(s, who.caller, asTool(tool, args.namespace), who.meta);
  try {
    const { board, sessions } = s.blackboard;
    const descriptor = await board.replicated(args.namespace);
    const consistency = args.consistency ?? descriptor.consistency;
    if ((consistency === "strong") !== (descriptor.consistency === "strong")) {
      throw new BlackboardError("unsupported_consistency", `${args.namespace} is ${descriptor.consistency === "strong" ? "a strong namespace: its keys are served with strong consistency only" : `not a strong namespace: ${consistency} is not served on it`}`);
    }
    if (consistency === "strong") return strongAnswer(args, await s.strong.board.run(args.namespace, args.key, act.strong()));
    if ("expected" in args && args.expected !== undefined) throw new BlackboardError("malformed", "`expected` (compare-and-set) is for strong consistency only");
    const client = consistency === "session" ? { principal: who === "operator" ? "operator" : who.caller.principal.id, secret: sessionSecret(args) } : undefined;
    if (client) await sessions.reach(args.namespace, args.key, client, args.token);
    const state = await act.crdt();
    const answer: BlackboardAnswer = { namespace: args.namespace, key: args.key, consistency, value: viewOf(state.value), stateHash: state.stateHash };
    if (client) answer.token = await sessions.issue(args.namespace, args.key, client, state.vector);
    return answer;
  } catch (err) {
    if (err instanceof BlackboardError) throw blackboardRefusal(err);
    throw err;
  } finally {
    if (admitted && who !== "operator") who.caller.defer(admitted.release());
  }
}

/**
 * A strong outcome as the tools answer: the register after the operation (null after a delete, and
 * after a compare-and-set that did not swap: read to see what the key holds), and its slot.
 */
function strongAnswer(args: GetArgs | PutArgs | DeleteArgs, outcome: StrongOutcome): BlackboardAnswer {
  if (!outcome.ok) {
    if (outcome.error === "not_replica") throw new BlackboardError("not_a_replica", outcome.message);
    // not_home: the replicas disagree on the home, which only a changed replica list can cause.
    throw new BlackboardError("unavailable", outcome.message, outcome.applied);
  }
  const r = outcome.result;
  const written = "op" in args && (r.op === "write" || (r.op === "cas" && r.ok)) ? args.op : undefined;
  const value = r.op === "read" ? (r.value ?? null) : written?.type === "register" ? (written.value ?? null) : null;
  const answer: BlackboardAnswer = { namespace: args.namespace, key: args.key, consistency: "strong", value: { type: "register", value }, stateHash: null, slot: r.slot };
  if (r.op === "cas") answer.swapped = r.ok;
  return answer;
}

function sessionSecret(args: { session?: string | undefined }): string {
  if (!args.session) throw new BlackboardError("malformed", "session consistency needs the client's session secret (`session`, 16–128 characters)");
  return args.session;
}

export function blackboardGet(s: BlackboardPorts, who: Requester, args: GetArgs): Promise<BlackboardAnswer> {
  return serve(s, who, BLACKBOARD_GET, args, { crdt: () => s.blackboard.board.read(args.namespace, args.key), strong: () => strongOpFor({ tool: "get" }) });
}

export function blackboardPut(s: BlackboardPorts, who: Requester, args: PutArgs): Promise<BlackboardAnswer> {
  const { board } = s.blackboard;
  return serve(s, who, BLACKBOARD_PUT, args, {
    crdt: () => board.write(args.namespace, args.key, (held) => opFor(args.op, held, board.self)),
    strong: () => strongOpFor({ tool: "put", args }),
  });
}

/** A register's delete, or a map field's when `field` is named. */
export function blackboardDelete(s: BlackboardPorts, who: Requester, args: DeleteArgs): Promise<BlackboardAnswer> {
  const { board } = s.blackboard;
  const op = args.field === undefined ? ({ type: "register", op: "delete" } as const) : ({ type: "map", field: args.field, op: { type: "register", op: "delete" } } as const);
  return serve(s, who, BLACKBOARD_DELETE, args, {
    crdt: () => board.write(args.namespace, args.key, (held) => opFor(op, held, board.self)),
    strong: () => strongOpFor({ tool: "delete", args }),
  });
}
