// The blackboard from the operator's side (protocol §17.5–17.8): create a namespace of this node's,
// list those it holds, and read, write or delete a key with the consistency asked for (the
// namespace's own by default), as the MCP tools do.
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { table } from "../framework/format.ts";
import { list, str } from "../framework/option-values.ts";

interface Answer {
  namespace: string;
  key: string;
  consistency: string;
  value: unknown;
  stateHash: string | null;
  slot?: number;
  swapped?: boolean;
}
interface Descriptor {
  namespace: string;
  replicas: string[] | "public";
  consistency: string;
}

const consistencyOption = { consistency: { type: "string" as const, value: "level", help: "eventual, session or strong (default: the namespace's)" } };
const levelOf = (v: unknown) => {
  const level = str(v);
  if (level !== undefined && !["eventual", "session", "strong"].includes(level)) throw new UsageError("--consistency is eventual, session or strong");
  return level === undefined ? {} : { consistency: level };
};
function jsonArg(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is JSON (quote a string: '"text"')`);
  }
}
const rendered = (a: Answer) => `${a.namespace} ${a.key} (${a.consistency}${a.slot === undefined ? "" : `, slot ${a.slot}`}${a.swapped === undefined ? "" : a.swapped ? ", swapped" : ", not swapped"}): ${JSON.stringify(a.value)}`;

export const boardCommands: Command[] = [
  {
    name: "board list",
    summary: "the blackboard namespaces this node holds",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ namespaces: Descriptor[] }>("GET", "/blackboard/namespaces");
      show(ctx, body, (b) => (b.namespaces.length === 0 ? "no namespaces" : table(["NAMESPACE", "CONSISTENCY", "REPLICAS"], b.namespaces.map((d) => [d.namespace, d.consistency, d.replicas === "public" ? "public" : d.replicas.join(",")]))));
    },
  },
  {
    name: "board create",
    usage: "<name> [node id,...|public]",
    summary: "create a namespace of this node's, replicated with these nodes (strong: a fixed list, at least one other)",
    options: consistencyOption,
    min: 1,
    max: 2,
    run: async (ctx, [name, replicas], opts) => {
      const level = levelOf(opts.consistency);
      const others = replicas === "public" ? "public" : (list(replicas) ?? []);
      const body =
        level.consistency === "strong"
          ? await ctx.api.request<{ descriptor: Descriptor; missed?: string[] }>("POST", "/blackboard/strong/namespaces", { name, replicas: others })
          : await ctx.api.request<{ descriptor: Descriptor; missed?: string[] }>("POST", "/blackboard/namespaces", { name, replicas: others, ...level });
      show(ctx, body, (b) => `created ${b.descriptor.namespace} (${b.descriptor.consistency})${b.missed?.length ? `; not yet told: ${b.missed.join(", ")}` : ""}`);
    },
  },
  {
    name: "board get",
    usage: "<namespace> <key>",
    summary: "read a key",
    options: consistencyOption,
    min: 2,
    max: 2,
    run: async (ctx, [namespace, key], opts) => {
      const body = await ctx.api.request<Answer>("POST", "/blackboard/keys/get", { namespace, key, ...levelOf(opts.consistency) });
      show(ctx, body, rendered);
    },
  },
  {
    name: "board put",
    usage: "<namespace> <key> <json value>",
    summary: "set a key's register (or compare-and-set it, strong only, with --expected)",
    options: {
      ...consistencyOption,
      expected: { type: "string", value: "json", help: "strong: set only if the register holds this JSON value (null: holds nothing)" },
      add: { type: "boolean", help: "add the value (an integer) to a counter instead" },
    },
    min: 3,
    max: 3,
    run: async (ctx, [namespace, key, value], opts) => {
      const v = jsonArg(value!, "the value");
      if (opts.add && !Number.isSafeInteger(v)) throw new UsageError("--add wants an integer");
      const op = opts.add ? { type: "counter", op: "add", amount: v } : { type: "register", op: "set", value: v };
      const expected = str(opts.expected) === undefined ? {} : { expected: ((e) => (e === null ? null : { value: e }))(jsonArg(str(opts.expected)!, "--expected")) };
      const body = await ctx.api.request<Answer>("POST", "/blackboard/keys/put", { namespace, key, op, ...expected, ...levelOf(opts.consistency) });
      show(ctx, body, rendered);
    },
  },
  {
    name: "board delete",
    usage: "<namespace> <key>",
    summary: "delete a key's register",
    options: consistencyOption,
    min: 2,
    max: 2,
    run: async (ctx, [namespace, key], opts) => {
      const body = await ctx.api.request<Answer>("POST", "/blackboard/keys/delete", { namespace, key, ...levelOf(opts.consistency) });
      show(ctx, body, rendered);
    },
  },
];
