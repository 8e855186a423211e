// The range-based reconciliation vectors (test/vectors/reconciliation.json): the code must
// produce the run's messages byte for byte from the two sets, decode every message to the stated
// ranges, encode the single messages back, and refuse the malformed ones for the stated reason.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, ReconcileFormatError, ReconcileSession, ReconcileSet, respond, type ReconcileItem, type ReconcileParams } from "../../src/protocol/reconciliation.ts";

type RangeJson = { upper: string; mode: string; fingerprint?: string; ids?: string[]; missing?: string[]; lacks?: boolean[] };
interface ReconciliationVectors {
  run: {
    params: ReconcileParams;
    initiator: ReconcileItem[];
    responder: ReconcileItem[];
    rounds: { from: "initiator" | "responder"; message: string; ranges: RangeJson[] }[];
    have: string[];
    need: string[];
  };
  encoded: { name: string; message: string; ranges: RangeJson[] }[];
  refused: { name: string; message: string; error: string; respondWith?: "responder" }[];
}

const v = JSON.parse(readFileSync(new URL("../vectors/reconciliation.json", import.meta.url), "utf8")) as ReconciliationVectors;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The decoded ranges in the vectors' JSON form. */
const asJson = (message: string): RangeJson[] => decodeMessage(message).map((r) => (r.mode === "fingerprint" ? { ...r, fingerprint: hex(r.fingerprint) } : { ...r }));

describe("reconciliation vectors", () => {
  it("runs the stated exchange message for message, and ends with the stated differences", async () => {
    const session = new ReconcileSession(ReconcileSet.of(v.run.initiator), v.run.params);
    const responder = ReconcileSet.of(v.run.responder);
    const sent: string[] = [];
    for (let m: string | undefined = await session.start(); m !== undefined; m = await session.next(sent.at(-1)!)) {
      sent.push(m, await respond(responder, m, v.run.params));
    }
    expect(sent).toEqual(v.run.rounds.map((r) => r.message));
    expect(v.run.rounds.map((r) => r.from)).toEqual(sent.map((_, i) => (i % 2 === 0 ? "initiator" : "responder")));
    expect([...session.found.have].sort()).toEqual(v.run.have);
    expect([...session.found.need].sort()).toEqual(v.run.need);
    // The differences are the sets' own, stated independently of the run.
    const ids = (items: ReconcileItem[]) => new Set(items.map((i) => i.id));
    const [a, b] = [ids(v.run.initiator), ids(v.run.responder)];
    expect(v.run.have).toEqual([...a].filter((id) => !b.has(id)).sort());
    expect(v.run.need).toEqual([...b].filter((id) => !a.has(id)).map((id) => id.slice(0, 16)).sort());
  });

  it.each(v.run.rounds.map((r, i) => [i, r] as const))("decodes message %i of the run to its ranges", (_i, r) => {
    expect(asJson(r.message)).toEqual(r.ranges);
  });

  it.each(v.encoded.map((e) => [e.name, e] as const))("encodes and decodes: %s", (_name, e) => {
    expect(asJson(e.message)).toEqual(e.ranges);
    const ranges = e.ranges.map((r) => (r.fingerprint === undefined ? r : { ...r, fingerprint: Uint8Array.from(Buffer.from(r.fingerprint, "hex")) }));
    expect(encodeMessage(ranges as Parameters<typeof encodeMessage>[0])).toBe(e.message);
  });

  it.each(v.refused.map((r) => [r.name, r] as const))("refuses: %s", async (_name, r) => {
    const attempt = r.respondWith ? respond(ReconcileSet.of(v.run.responder), r.message) : Promise.resolve().then(() => decodeMessage(r.message));
    const err = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReconcileFormatError);
    expect((err as Error).message).toBe(r.error);
  });
});
