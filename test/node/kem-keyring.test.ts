// Encryption-key epochs: one key per epoch agreed by every isolate, the previous one overlapping,
// older secrets deleted from the store and from memory.
import { describe, expect, it } from "vitest";
import { KemKeyring } from "../../src/node/identity/kem-keyring.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { kemKeys } from "../../src/store/schema/index.ts";
import { memoryDb } from "../support/libsql.ts";

const PERIOD = 3600;
const T0 = 1_800_000_000 - (1_800_000_000 % PERIOD);

async function keyring(db: Awaited<ReturnType<typeof memoryDb>>, storageKey = new Uint8Array(32).fill(1)) {
  return new KemKeyring({ db, primitives: await primitives(), storageKey, periodSeconds: PERIOD });
}

describe("encryption keyring", () => {
  it("makes one key per epoch, which two isolates sharing the store agree on", async () => {
    const db = await memoryDb();
    const [a, b] = [await keyring(db), await keyring(db)];
    const [ka, kb] = await Promise.all([a.keys(T0 + 10), b.keys(T0 + 20)]);
    expect(ka.map((k) => k.keyId)).toEqual(kb.map((k) => k.keyId));
    expect(ka).toHaveLength(1);
    expect(ka[0]!.epoch).toBe(T0 / PERIOD);
    expect((await a.keys(T0 + PERIOD - 1))[0]!.keyId).toBe(ka[0]!.keyId);
  });

  it("rotates at the epoch boundary, keeps the previous key for one epoch, then forgets it", async () => {
    const db = await memoryDb();
    const k = await keyring(db);
    const first = (await k.keys(T0))[0]!;
    const second = await k.keys(T0 + PERIOD);
    expect(second.map((x) => x.keyId)).toEqual([expect.not.stringMatching(first.keyId), first.keyId]);
    expect((await k.find(first.keyId, T0 + PERIOD))?.keyId).toBe(first.keyId);

    const third = await k.keys(T0 + 2 * PERIOD);
    expect(third.map((x) => x.keyId)).toEqual([expect.any(String), second[0]!.keyId]);
    expect(await k.find(first.keyId, T0 + 2 * PERIOD)).toBeUndefined();
    const stored = await db.select().from(kemKeys);
    expect(stored.map((r) => r.epoch).sort()).toEqual([T0 / PERIOD + 1, T0 / PERIOD + 2]);
  });

  it("seals secrets under the storage key, bound to their epoch; one it cannot open is replaced", async () => {
    const db = await memoryDb();
    const [first] = await (await keyring(db)).keys(T0);
    // Another NODE_SEED (a signing-key rotation) cannot open it: the epoch gets a new key.
    const [replaced] = await (await keyring(db, new Uint8Array(32).fill(2))).keys(T0);
    expect(replaced!.keyId).not.toBe(first!.keyId);
    expect((await db.select().from(kemKeys)).map((r) => r.keyId)).toEqual([replaced!.keyId]);
    // Nor does a sealed secret open once moved to another epoch's row.
    await db.update(kemKeys).set({ epoch: T0 / PERIOD + 1 });
    const [moved] = await (await keyring(db, new Uint8Array(32).fill(2))).keys(T0 + PERIOD);
    expect(moved!.keyId).not.toBe(replaced!.keyId);
    expect(await db.select().from(kemKeys)).toHaveLength(1);
  });

  it("prunes retired secrets on the tick even without traffic", async () => {
    const db = await memoryDb();
    const k = await keyring(db);
    await k.keys(T0);
    await k.keys(T0 + PERIOD);
    await k.prune(T0 + 2 * PERIOD);
    expect((await db.select().from(kemKeys)).map((r) => r.epoch)).toEqual([T0 / PERIOD + 1]);
  });
});
