// Backup deposit vectors (docs/protocol.md §19.2): a backup file deposited by one node at another,
// the signed `backup-deposit` message and the `backup-fetch` answer that returns it, and deposits
// a holder refuses, each with the reason it must give, or as not matching the message schema.
import {
  backupDepositRequest,
  backupFetchResult,
  checkPart,
  DEPOSIT_PART_BYTES,
  DepositError,
  signDeposit,
  verifyCopy,
  type BackupDepositRequest,
} from "../../src/protocol/backup/deposit.ts";
import { sealBackup } from "../../src/protocol/backup/seal.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed, type SigningKey } from "../../src/protocol/identity/keys.ts";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { agree, b64, counting, p, write } from "./common.ts";

const identityOf = (k: SigningKey) => ({ nodeId: k.nodeId, signingKey: b64(k.signer.publicKey), sign: (m: Uint8Array, c: string) => k.signer.sign(m, c) });

export async function backupDepositVectors(): Promise<void> {
  const [depositorSeed, holderSeed, strangerSeed] = [counting(0x40), counting(0x60), counting(0x80)];
  const [depositor, holder, stranger] = await Promise.all([depositorSeed, holderSeed, strangerSeed].map((s) => signingKeyFromSeed(p, s)));
  const created = 1_767_225_600;
  const tables = [{ name: "peers", columns: ["node_id", "state"], rows: [[holder!.nodeId, "active"]] }];
  const fixed = { seed: depositorSeed, schema: "0022_issue19_recovery", created, id: counting(0x10, 16), noncePrefix: counting(0x20, 7) };
  const { file } = await sealBackup(tables, { ...fixed, identity: identityOf(depositor!) });
  const seq = created * 1000;
  const sign = (k: SigningKey) => (m: Uint8Array, c: string) => k.signer.sign(m, c);
  const deposit = await signDeposit(file, { depositor: depositor!.nodeId, holder: holder!.nodeId, seq, sign: sign(depositor!) });
  const verifier = await compositeVerifier(p, depositor!.signer.publicKey);
  const check = (d: BackupDepositRequest) => verifyCopy(d, { depositor: depositor!.nodeId, holder: holder!.nodeId, verify: (s, m, c) => verifier.verify(s, m, c) });
  agree("the deposit's file", b64(file), b64(await check(deposit)));
  const fetched = backupFetchResult.parse({ type: "backup-fetch", depositor: depositor!.nodeId, holder: holder!.nodeId, copy: { seq, bytes: deposit.bytes, file: deposit.file, signature: deposit.signature }, received: created + 60 });

  const flipped = file.slice();
  flipped[flipped.length - 1]! ^= 1;
  const notBackup = new TextEncoder().encode("PK\u0003\u0004 not a backup");
  const refused = [
    { name: "signed for another holder", reason: "bad_signature", message: await signDeposit(file, { depositor: depositor!.nodeId, holder: stranger!.nodeId, seq, sign: sign(depositor!) }).then((d) => ({ ...d, holder: holder!.nodeId })) },
    { name: "the sequence number changed after signing", reason: "bad_signature", message: { ...deposit, seq: seq + 1 } },
    { name: "signed by another node in the depositor's name", reason: "bad_signature", message: await signDeposit(file, { depositor: depositor!.nodeId, holder: holder!.nodeId, seq, sign: sign(stranger!) }) },
    { name: "the file altered, the statement signed over the altered file", reason: "bad_signature", message: await signDeposit(flipped, { depositor: depositor!.nodeId, holder: holder!.nodeId, seq, sign: sign(depositor!) }) },
    { name: "a stated size that is not the file's", reason: "bad_deposit", message: { ...deposit, bytes: deposit.bytes - 1 } },
    { name: "signed bytes that are not a backup file", reason: "bad_deposit", message: await signDeposit(notBackup, { depositor: depositor!.nodeId, holder: holder!.nodeId, seq, sign: sign(depositor!) }) },
  ];
  for (const r of refused) {
    const reason = await check(backupDepositRequest.parse(r.message)).then(
      () => "accepted",
      (err: unknown) => (err instanceof DepositError ? err.reason : String(err)),
    );
    agree(`refused: ${r.name}`, r.reason, reason);
  }
  const malformed = [
    { name: "unknown field", message: { ...deposit, note: "x" } },
    { name: "sequence 0", message: { ...deposit, seq: 0 } },
    { name: "file not base64url", message: { ...deposit, file: `${deposit.file.slice(0, 8)}+/=` } },
    { name: "a stated size above 64 MiB", message: { ...deposit, bytes: 64 * 1024 * 1024 + 1 } },
    { name: "a negative offset", message: { ...deposit, offset: -1 } },
    { name: "an offset that is not an integer", message: { ...deposit, offset: 0.5 } },
    { name: "no holder", message: { ...deposit, holder: undefined } },
  ];
  for (const m of malformed) agree(`schema refuses: ${m.name}`, false, backupDepositRequest.safeParse(m.message).success);
  agree("fetched file", b64(file), b64(fromBase64url(fetched.copy.file)));
  // Where a part may sit in a file: every part but the last is exactly DEPOSIT_PART_BYTES.
  const P = DEPOSIT_PART_BYTES;
  const parts = [
    { name: "the whole file in one message", offset: 0, part: 1000, bytes: 1000, fits: true, last: true },
    { name: "a first part of a larger file", offset: 0, part: P, bytes: 2 * P + 1, fits: true, last: false },
    { name: "a last part", offset: 2 * P, part: 1, bytes: 2 * P + 1, fits: true, last: true },
    { name: "a first part shorter than a part, not the whole file", offset: 0, part: P - 1, bytes: 2 * P, fits: false },
    { name: "a part that does not start at a multiple of the part size", offset: P - 1, part: P, bytes: 3 * P, fits: false },
    { name: "a part that runs past the stated size", offset: P, part: P, bytes: P + 10, fits: false },
  ].map((c) => {
    const got = (() => {
      try {
        return { fits: true, last: checkPart(c.offset, c.part, c.bytes).last };
      } catch (err) {
        if (err instanceof DepositError && err.reason === "bad_deposit") return { fits: false };
        throw err;
      }
    })();
    agree(`part layout: ${c.name}`, JSON.stringify(c.fits ? { fits: true, last: c.last } : { fits: false }), JSON.stringify(got));
    return c;
  });

  write("backup-deposit.json", {
    about:
      "Backup deposits (docs/protocol.md §19.2). `deposit` is the `backup-deposit` message `depositorSeed`'s node sends `holderSeed`'s node for `file` (a §19.1 backup made with deterministic ML-DSA); `fetched` is the holder's `backup-fetch` answer. Each of `refused` passes the schema and must be refused by the holder with its `reason`; each of `malformed` must fail the message schema. Each of `parts` is a part `part` bytes long at `offset` in a file of `bytes`: it fits (and is the last, or not), or the holder refuses it with bad_deposit; every part but the last is `partBytes` long.",
    depositorSeed: b64(depositorSeed),
    holderSeed: b64(holderSeed),
    strangerSeed: b64(strangerSeed),
    depositor: depositor!.nodeId,
    holder: holder!.nodeId,
    file: b64(file),
    deposit,
    fetched,
    refused,
    malformed,
    partBytes: P,
    parts,
  });
}
