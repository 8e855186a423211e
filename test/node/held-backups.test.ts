// Holding peers' backups (docs/protocol.md §19.2) over real libSQL: a holder keeps an active
// peer's signed copies within its bounds (copies and bytes per depositor), refuses stale, foreign,
// oversize and unsolicited deposits with their reasons and keeps nothing of them, and answers a
// fetch with the asker's own newest copy only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePart, DEPOSIT_PART_BYTES, DepositError, signDeposit, signDepositParts, verifyCopy, verifyFile } from "../../src/protocol/backup/deposit.ts";
import { eq } from "drizzle-orm";
import { heldBackupParts } from "../../src/store/schema/index.ts";
import { sealBackup } from "../../src/protocol/backup/seal.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed, type SigningKey } from "../../src/protocol/identity/keys.ts";
import { primitives, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { parseSeed } from "../../src/protocol/identity/seed.ts";
import { fetchHeld, heldForPeers, holdDeposit, type HoldingParts } from "../../src/node/backup/held.ts";
import { fetchWholeCopy } from "../../src/node/backup/recovery.ts";
import { savePeer } from "../../src/store/peers.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";
import { stranger, type Stranger } from "../support/stranger.ts";

const HOLDER = "holder-node-id";
let p: Primitives;
let store: TestDatabase;
let depositor: Stranger;
let other: Stranger;
let key: SigningKey;

const parts = (backup: Partial<HoldingParts["config"]["backup"]> = {}): HoldingParts => ({
  db: store.db,
  config: { backup: { schedule: "off", keep: 1, maxBytes: 1 << 20, peers: "off", holdMaxBytes: 1 << 20, holdCopies: 2, ...backup } },
  identity: async () => ({ nodeId: HOLDER, primitives: p }),
  now: () => 1_767_225_600,
});

async function backupFile(rows: number): Promise<Uint8Array> {
  const tables = [{ name: "peers", columns: ["node_id"], rows: Array.from({ length: rows }, (_, i) => [`n${i}`]) }];
  const identity = { nodeId: key.nodeId, signingKey: toBase64url(key.signer.publicKey), sign: (m: Uint8Array, c: string) => key.signer.sign(m, c) };
  return (await sealBackup(tables, { seed: parseSeed(depositor.seed), identity, schema: "test", created: 1_767_225_600 })).file;
}

const deposit = async (file: Uint8Array, seq: number, signer = key) => signDeposit(file, { depositor: depositor.id, holder: HOLDER, seq, sign: (m, c) => signer.signer.sign(m, c) });
const reason = (promise: Promise<unknown>) => promise.then(() => "kept", (err: unknown) => (err instanceof DepositError ? err.reason : String(err)));

beforeAll(async () => {
  p = await primitives();
  store = await openTestDatabase();
  [depositor, other] = await Promise.all([stranger({ name: "depositor" }), stranger({ name: "other" })]);
  key = await signingKeyFromSeed(p, parseSeed(depositor.seed));
  await savePeer(store.db, { card: depositor.card, state: "active", version: "mcpfed/1", features: [] });
  await savePeer(store.db, { card: other.card, state: "pending", version: "mcpfed/1", features: [] });
});

afterAll(async () => {
  store.close();
  await Promise.all([depositor.close(), other.close()]);
});

describe("holding a peer's backups", () => {
  it("keeps the newest copies within the count, and answers the depositor's fetch with the newest", async () => {
    const file = await backupFile(3);
    for (const seq of [1, 2, 3]) expect(await holdDeposit(parts(), depositor.id, await deposit(file, seq))).toMatchObject({ type: "backup-deposit", copies: seq === 1 ? 1 : 2 });
    expect(await heldForPeers({ db: store.db })).toEqual([{ depositor: depositor.id, copies: 2, bytes: 2 * file.length, newestSeq: 3, newestReceived: 1_767_225_600 }]);
    const fetched = await fetchHeld(parts(), depositor.id);
    expect(fetched.copy.seq).toBe(3);
    const verifier = await signingKey(p, depositor.card.keys.sig.pub);
    expect(await verifyCopy(fetched.copy, { depositor: depositor.id, holder: HOLDER, verify: (s, m, c) => verifier.verify(s, m, c) })).toEqual(file);
  });

  it("keeps no more bytes per depositor than BACKUP_HOLD_MAX_BYTES: older copies go first", async () => {
    const file = await backupFile(3);
    const kept = await holdDeposit(parts({ holdMaxBytes: file.length + 10 }), depositor.id, await deposit(file, 4));
    expect(kept).toMatchObject({ copies: 1, heldBytes: file.length });
    expect((await heldForPeers({ db: store.db }))[0]).toMatchObject({ copies: 1, newestSeq: 4 });
  });

  it("refuses with a reason, and keeps nothing of, a stale, oversize, forged, unsolicited or misaddressed deposit", async () => {
    const file = await backupFile(3);
    expect(await reason(holdDeposit(parts(), depositor.id, await deposit(file, 4)))).toBe("stale_sequence");
    expect(await reason(holdDeposit(parts({ holdMaxBytes: file.length - 1 }), depositor.id, await deposit(file, 5)))).toBe("deposit_too_large");
    expect(await reason(holdDeposit(parts({ holdMaxBytes: 0 }), depositor.id, await deposit(file, 5)))).toBe("not_holding");
    const otherKey = await signingKeyFromSeed(p, parseSeed(other.seed));
    expect(await reason(holdDeposit(parts(), depositor.id, await deposit(file, 5, otherKey)))).toBe("bad_signature");
    expect(await reason(holdDeposit(parts(), depositor.id, { ...(await deposit(file, 5)), holder: "another-holder" }))).toBe("bad_deposit");
    // A pending peer is not trusted with anything yet.
    expect(await reason(holdDeposit(parts(), other.id, await deposit(file, 5)))).toBe("bad_deposit");
    expect((await heldForPeers({ db: store.db })).map((h) => [h.depositor, h.copies, h.newestSeq])).toEqual([[depositor.id, 1, 4]]);
  });

  it("answers nobody else with the depositor's copy", async () => {
    expect(await reason(fetchHeld(parts(), other.id))).toBe("no_deposit");
  });

  describe("a file larger than one message", () => {
    // Random node ids do not compress: the sealed file is over 1.3 MB, three parts or more.
    async function bigBackup(): Promise<Uint8Array> {
      const random = () => Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join("");
      const tables = [{ name: "peers", columns: ["node_id"], rows: Array.from({ length: 50_000 }, () => [random()]) }];
      const identity = { nodeId: key.nodeId, signingKey: toBase64url(key.signer.publicKey), sign: (m: Uint8Array, c: string) => key.signer.sign(m, c) };
      return (await sealBackup(tables, { seed: parseSeed(depositor.seed), identity, schema: "test", created: 1_767_225_600 })).file;
    }
    const depositParts = (file: Uint8Array, seq: number) => signDepositParts(file, { depositor: depositor.id, holder: HOLDER, seq, sign: (m, c) => key.signer.sign(m, c) });
    const big = () => parts({ holdMaxBytes: 8 << 20 });
    let file: Uint8Array;
    beforeAll(async () => {
      file = await bigBackup();
    });

    it("is kept from its parts, sent in order, and fetched back part by part", async () => {
      const messages = await depositParts(file, 10);
      expect(messages.length).toBeGreaterThanOrEqual(3);
      expect(messages.map((m) => m.offset)).toEqual(messages.map((_, i) => i * DEPOSIT_PART_BYTES));
      for (const [i, m] of messages.slice(0, -1).entries()) {
        expect(await holdDeposit(big(), depositor.id, m)).toEqual({ type: "backup-deposit-part", seq: 10, received: (i + 1) * DEPOSIT_PART_BYTES });
        // Staged parts are not a copy yet: neither counted nor fetched.
        expect((await heldForPeers({ db: store.db }))[0]).toMatchObject({ newestSeq: 4 });
      }
      expect(await holdDeposit(big(), depositor.id, messages.at(-1)!)).toMatchObject({ type: "backup-deposit", seq: 10, copies: 2, heldBytes: file.length + (await backupFile(3)).length });
      const got: Uint8Array[] = [];
      for (let at = 0; at < file.length; ) {
        const answer = await fetchHeld(big(), depositor.id, { type: "backup-fetch", ...(at ? { offset: at } : {}) });
        expect(answer).toMatchObject({ copy: { seq: 10, bytes: file.length }, ...(at ? { offset: at } : {}) });
        got.push(decodePart(answer.copy.file));
        at += got.at(-1)!.length;
      }
      const whole = new Uint8Array(file.length);
      got.reduce((at, part) => (whole.set(part, at), at + part.length), 0);
      const verifier = await signingKey(p, depositor.card.keys.sig.pub);
      const answer = await fetchHeld(big(), depositor.id);
      const verified = await verifyFile(whole, answer.copy, { depositor: depositor.id, holder: HOLDER, verify: (s, m, c) => verifier.verify(s, m, c) });
      // Compared as buffers: a deep equality over 1.3 M elements takes seconds.
      expect(Buffer.compare(verified, file)).toBe(0);
      expect(await reason(fetchHeld(big(), depositor.id, { type: "backup-fetch", offset: 1 }))).toBe("bad_deposit");
    });

    it("refuses a part out of order or of the wrong size, and drops a staged copy whose whole file fails its checks", async () => {
      const messages = await depositParts(file, 11);
      expect(await reason(holdDeposit(big(), depositor.id, messages[1]!))).toBe("bad_deposit");
      await holdDeposit(big(), depositor.id, messages[0]!);
      expect(await reason(holdDeposit(big(), depositor.id, messages.at(-1)!))).toBe("bad_deposit");
      const short = toBase64url(decodePart(messages[1]!.file).subarray(1));
      expect(await reason(holdDeposit(big(), depositor.id, { ...messages[1]!, file: short }))).toBe("bad_deposit");
      for (const m of messages.slice(1, -1)) await holdDeposit(big(), depositor.id, m);
      const last = messages.at(-1)!;
      const tampered = decodePart(last.file);
      tampered[0]! ^= 1;
      expect(await reason(holdDeposit(big(), depositor.id, { ...last, file: toBase64url(tampered) }))).toBe("bad_signature");
      // Gone with its parts: the honest last part no longer finds it, and copy 10 is still the newest.
      expect(await reason(holdDeposit(big(), depositor.id, last))).toBe("bad_deposit");
      expect((await heldForPeers({ db: store.db }))[0]).toMatchObject({ newestSeq: 10 });
      const leftover = await store.db.select().from(heldBackupParts).where(eq(heldBackupParts.seq, 11));
      expect(leftover).toEqual([]);
    });

    it("is fetched whole by a recovering node, which refuses a copy replaced halfway or a misplaced part", async () => {
      const fromHolder = (offset: number) => fetchHeld(big(), depositor.id, { type: "backup-fetch", ...(offset ? { offset } : {}) });
      const { first, whole } = await fetchWholeCopy(HOLDER, fromHolder);
      expect(first.copy.seq).toBe(10);
      expect(Buffer.compare(whole, file)).toBe(0);
      // The holder takes a newer copy between two parts.
      let asked = 0;
      const replaced = async (offset: number) => {
        const answer = await fromHolder(offset);
        return asked++ === 0 ? answer : { ...answer, copy: { ...answer.copy, seq: answer.copy.seq + 1 } };
      };
      expect(await reason(fetchWholeCopy(HOLDER, replaced))).toBe("bad_deposit");
      // A holder that answers a short part that is not the last.
      const short = async (offset: number) => {
        const answer = await fromHolder(offset);
        return { ...answer, copy: { ...answer.copy, file: toBase64url(decodePart(answer.copy.file).subarray(1)) } };
      };
      expect(await reason(fetchWholeCopy(HOLDER, short))).toBe("bad_deposit");
    });
  });
});
