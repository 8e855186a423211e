// The backup deposit vectors (test/vectors/backup-deposit.json): on each crypto path the deposit
// verifies to the file, the fetch answer parses and carries the same copy, each refused deposit
// is refused with its reason, and each malformed one fails the schema.
import { describe, expect, it } from "vitest";
import { backupDepositRequest, backupFetchResult, checkPart, DEPOSIT_PART_BYTES, DepositError, verifyCopy } from "../../src/protocol/backup/deposit.ts";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { PATHS, vector } from "./paths.ts";

interface Vectors {
  depositorSeed: string;
  depositor: string;
  holder: string;
  file: string;
  deposit: unknown;
  fetched: unknown;
  refused: { name: string; reason: string; message: unknown }[];
  malformed: { name: string; message: unknown }[];
  partBytes: number;
  parts: { name: string; offset: number; part: number; bytes: number; fits: boolean; last?: boolean }[];
}

const v = vector<Vectors>("backup-deposit.json");

describe.each(PATHS)("backup deposit vectors on %s", (_name, p) => {
  const check = async (message: unknown, holder = v.holder) => {
    const key = await signingKeyFromSeed(p, fromBase64url(v.depositorSeed));
    expect(key.nodeId).toBe(v.depositor);
    const verifier = await compositeVerifier(p, key.signer.publicKey);
    return verifyCopy(backupDepositRequest.parse(message), { depositor: v.depositor, holder, verify: (s, m, c) => verifier.verify(s, m, c) });
  };

  it("the deposit verifies to the file, for its holder only", async () => {
    expect(toBase64url(await check(v.deposit))).toBe(v.file);
    const err = await check(v.deposit, v.depositor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DepositError);
    expect((err as DepositError).reason).toBe("bad_signature");
  });

  it("the fetch answer carries the same signed copy", async () => {
    const fetched = backupFetchResult.parse(v.fetched);
    expect(fetched).toMatchObject({ depositor: v.depositor, holder: v.holder, copy: { file: v.file } });
    expect(toBase64url(await check({ type: "backup-deposit", holder: v.holder, ...fetched.copy }))).toBe(v.file);
  });

  it.each(v.refused)("refuses $name: $reason", async ({ reason, message }) => {
    const err = await check(message).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DepositError);
    expect((err as DepositError).reason).toBe(reason);
  });
});

describe("where a part may sit", () => {
  it("uses the protocol's part size", () => expect(DEPOSIT_PART_BYTES).toBe(v.partBytes));
  it.each(v.parts)("$name", ({ offset, part, bytes, fits, last }) => {
    if (fits) expect(checkPart(offset, part, bytes)).toEqual({ last });
    else expect(() => checkPart(offset, part, bytes)).toThrow(expect.objectContaining({ reason: "bad_deposit" }));
  });
});

describe("the deposit message schema", () => {
  it.each(v.malformed)("refuses $name", ({ message }) => {
    expect(backupDepositRequest.safeParse(message).success).toBe(false);
  });
});
