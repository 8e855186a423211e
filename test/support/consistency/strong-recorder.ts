// A client of a strong namespace through a node's admin API, each operation recorded as the
// linearizability checker wants it (./history.ts, ./linearizability.ts).
import { expect } from "vitest";
import type { StrongOutcome } from "../../../src/protocol/messages/blackboard-strong.ts";
import type { NodeProc } from "../processes.ts";
import type { KvInput, KvOperation, KvOutput } from "./history.ts";

export class StrongRecorder {
  readonly history: KvOperation[] = [];
  readonly answers = { ok: 0, unavailable: 0, unknown: 0, down: 0 };
  #clock = performance.now.bind(performance);

  constructor(private readonly namespace: string) {}

  async run(client: string, node: Pick<NodeProc, "admin">, key: string, input: KvInput): Promise<StrongOutcome | undefined> {
    const op =
      input.f === "read"
        ? { op: "read" }
        : input.f === "write"
          ? { op: "write", value: input.value }
          : input.f === "delete"
            ? { op: "delete" }
            : { op: "cas", expected: input.expected === null ? null : { value: input.expected }, value: input.value };
    const call = this.#clock();
    let outcome: StrongOutcome | undefined;
    try {
      const res = await node.admin("POST", "/blackboard/strong", { namespace: this.namespace, key, op });
      outcome = (await res.json()) as StrongOutcome;
    } catch (err) {
      // Refused at connect: the node is down and never saw it. Otherwise it went away
      // mid-request, and the operation may or may not have taken effect.
      if (refusedAtConnect(err)) {
        this.answers.down++;
        return undefined;
      }
    }
    const ret = this.#clock();
    if (!outcome) {
      this.answers.unknown++;
      this.history.push({ client, key, input, call });
    } else if (outcome.ok) {
      this.answers.ok++;
      this.history.push({ client, key, input, call, return: ret, output: outputOf(outcome.result) });
    } else {
      expect(outcome.error).toBe("unavailable");
      this.answers.unavailable++;
      // "no": surely without effect, so left out; "unknown": it may have happened, at any time after its call.
      if (outcome.applied === "unknown") this.history.push({ client, key, input, call });
    }
    return outcome;
  }
}

const refusedAtConnect = (err: unknown) => (err as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED";

function outputOf(r: Extract<StrongOutcome, { ok: true }>["result"]): KvOutput {
  switch (r.op) {
    case "read":
      return { f: "read", value: r.value === undefined ? null : (r.value as string) };
    case "cas":
      return { f: "cas", ok: r.ok };
    default:
      return { f: r.op };
  }
}

/** A random operation; values are unique so that a read names the write it saw. */
export function randomInput(client: string, i: number, lastSeen: string | null): KvInput {
  const roll = Math.random();
  const value = `${client}.${i}`;
  if (roll < 0.4) return { f: "read" };
  if (roll < 0.7) return { f: "write", value };
  if (roll < 0.75) return { f: "delete" };
  return { f: "cas", expected: Math.random() < 0.2 ? null : lastSeen, value };
}
