// The ledger's hot paths on real libSQL, statements counted: reading many held records at once (a
// peer's checkpoint names up to 64), and a countersignature completing a held pending record.
import { describe, expect, it } from "vitest";
import { Ledger } from "../../src/node/ledger/ledger.ts";
import { quoteOf } from "../../src/protocol/ledger/pricing.ts";
import { countersign, signIntent, signReceipt } from "../../src/protocol/ledger/signing.ts";
import { LedgerRepository } from "../../src/store/ledger.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";
import { ledgerRecords } from "../../src/store/schema/index.ts";
import { countedMemoryDb } from "../support/counted-statements.ts";

const id = (i: number) => i.toString(16).padStart(64, "0");

describe("LedgerRepository.getMany", () => {
  it("returns the held records among the ids, in one statement per 100 ids", async () => {
    const { db, during } = await countedMemoryDb();
    const rows = Array.from({ length: 150 }, (_, i) => ({
      id: id(i),
      peer: i % 2 ? "peer-b" : "peer-c",
      role: "provider" as const,
      status: "confirmed" as const,
      hash: id(i + 1000),
      completedAt: 1_800_000_000_000 + i,
      unit: "credit",
      amount: 5,
      record: `{"n":${i}}`,
    }));
    for (let i = 0; i < rows.length; i += 50) await db.insert(ledgerRecords).values(rows.slice(i, i + 50));
    const repo = new LedgerRepository(db, "self");
    const asked = [...rows.slice(0, 120).map((r) => r.id), id(9999), id(0)];
    let held = new Map();
    const ran = await during(async () => (held = await repo.getMany(asked)));
    expect(ran).toHaveLength(2);
    expect(held.size).toBe(120);
    expect(held.has(id(9999))).toBe(false);
    expect(held.get(id(7))).toMatchObject({ id: id(7), peer: "peer-b", record: '{"n":7}', status: "confirmed" });
    expect(await repo.getMany([])).toEqual(new Map());
  });
});

describe("Ledger.receive of a countersignature", () => {
  it("completes the held pending record in one statement, only from its consumer and only when it verifies", async () => {
    const [consumer, provider, intruder] = await Promise.all([ed25519TestSigner(), ed25519TestSigner(), ed25519TestSigner()]);
    const keys = new TestKeyring().add(consumer, provider, intruder);
    const { db, during } = await countedMemoryDb();
    const repository = new LedgerRepository(db, provider.signer.nodeId);
    const ledger = new Ledger({ self: provider.signer.nodeId, verifier: keys, repository });
    const intent = await signIntent(consumer.signer, {
      provider: provider.signer.nodeId,
      tool: { id: `${provider.signer.nodeId}/demo/echo`, fingerprint: `sha256:${"ab".repeat(32)}` },
      params: { name: "echo", arguments: {} },
      price: quoteOf({ model: "per_call", amount: 5, unit: "credit" }),
      requestedAt: 1_000,
    });
    const receipt = await signReceipt(provider.signer, intent, { result: { content: [] }, durationMs: 4, completedAt: 1_004 });
    expect(await ledger.receive(receipt, null)).toEqual({ outcome: "stored" });
    const confirmed = await countersign(consumer.signer, keys, intent, receipt, 10);

    // A forged countersignature, and the right one from another sender, confirm nothing.
    const forged = { ...confirmed, sigs: { ...confirmed.sigs, countersign: confirmed.sigs.receipt } };
    expect(await ledger.receive(forged, consumer.signer.nodeId)).toMatchObject({ outcome: "rejected" });
    expect(await ledger.receive(confirmed, intruder.signer.nodeId)).toMatchObject({ outcome: "rejected", reason: "not_a_party" });
    expect(await repository.complete(confirmed, intruder.signer.nodeId)).toBe(false);
    expect((await ledger.get(intent.intent.id))?.status).toBe("pending");

    let outcome;
    const ran = await during(async () => (outcome = await ledger.receive(confirmed, consumer.signer.nodeId)));
    expect(outcome).toEqual({ outcome: "confirmed" });
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatch(/^update "ledger_records"/);
    expect((await ledger.get(intent.intent.id))?.status).toBe("confirmed");
    // Sent again: a duplicate, stored once.
    expect(await ledger.receive(confirmed, consumer.signer.nodeId)).toEqual({ outcome: "duplicate" });
  });
});
