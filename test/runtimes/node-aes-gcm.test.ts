// Node's own AES-256-GCM for channel frames (src/runtimes/node-aes-gcm.ts), which the Node entry
// point passes for every channel frame: the same bytes as WebCrypto's, frames and answers sealed by
// one opened by the other in both directions, and every altered byte refused, through the real
// opener with the real (libSQL) replay cache.
import { describe, expect, it } from "vitest";
import { webCryptoAesGcm, type Aes256Gcm } from "../../src/protocol/channel/aes-gcm.ts";
import { ChannelError } from "../../src/protocol/channel/errors.ts";
import { openChannelFrame, type OpenChannelOptions, type ResponderChannel } from "../../src/protocol/channel/open.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { ReplayCache } from "../../src/store/replay-cache.ts";
import { nodeAesGcm } from "../../src/runtimes/node-aes-gcm.ts";
import { memoryDb } from "../support/libsql.ts";

const T0 = 1_767_225_600;
const PING = "/federation/v1/ping";
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("AES-256-GCM from node:crypto", () => {
  const key = new Uint8Array(32).map((_, i) => i * 7);
  const nonce = new Uint8Array(12).map((_, i) => 200 - i);
  const plaintext = utf8("a channel frame's plaintext, long enough to span several AES blocks of sixteen bytes");
  const aad = utf8("header bytes");

  it("seals the same bytes as WebCrypto's, with and without associated data, and each opens the other's", async () => {
    for (const ad of [aad, undefined]) {
      const mine = await nodeAesGcm.seal(await nodeAesGcm.importKey(key), nonce, plaintext, ad);
      const theirs = await webCryptoAesGcm.seal(await webCryptoAesGcm.importKey(key), nonce, plaintext, ad);
      expect(toBase64url(mine)).toBe(toBase64url(theirs));
      expect(text(await nodeAesGcm.open(await nodeAesGcm.importKey(key), nonce, theirs, ad))).toBe(text(plaintext));
      expect(text(await webCryptoAesGcm.open(await webCryptoAesGcm.importKey(key), nonce, mine, ad))).toBe(text(plaintext));
    }
  });

  it("throws for every flipped byte, a truncated tag, other associated data and another nonce", async () => {
    const k = await nodeAesGcm.importKey(key);
    const sealed = await nodeAesGcm.seal(k, nonce, plaintext, aad);
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 0x01;
      await expect(nodeAesGcm.open(k, nonce, bad, aad)).rejects.toThrow();
    }
    await expect(nodeAesGcm.open(k, nonce, sealed.subarray(0, sealed.length - 1), aad)).rejects.toThrow();
    await expect(nodeAesGcm.open(k, nonce, sealed.subarray(0, 15), aad)).rejects.toThrow();
    await expect(nodeAesGcm.open(k, nonce, sealed, utf8("other header"))).rejects.toThrow();
    await expect(nodeAesGcm.open(k, nonce, sealed)).rejects.toThrow();
    await expect(nodeAesGcm.open(k, nonce.map((b) => b ^ 1), sealed, aad)).rejects.toThrow();
    await expect(nodeAesGcm.importKey(key.subarray(1))).rejects.toThrow();
  });

  const pairs: [string, Aes256Gcm, Aes256Gcm][] = [
    ["node:crypto → WebCrypto", nodeAesGcm, webCryptoAesGcm],
    ["WebCrypto → node:crypto", webCryptoAesGcm, nodeAesGcm],
    ["node:crypto → node:crypto", nodeAesGcm, nodeAesGcm],
  ];

  it.each(pairs)("carries channel frames and their answers %s, identical on the wire, refusing a tampered one", async (_name, sender, receiver) => {
    const db = await memoryDb();
    const cid = new Uint8Array(16).fill(4);
    const secrets = { epoch: 0, c: new Uint8Array(32).fill(5), s: new Uint8Array(32).fill(6) };
    const channel: ResponderChannel = { peer: "alice", startsAt: T0 - 10, epochSeconds: 3600, expiresAt: T0 + 86_400, secretFor: async () => secrets };
    const options: OpenChannelOptions = { channels: { find: async (c) => (c === toBase64url(cid) ? channel : undefined) }, replay: new ReplayCache(db), now: T0, skew: 60, path: PING, maxBytes: 1 << 20, aes: receiver };
    const input = { cid, secrets, lane: new Uint8Array(16).fill(7), now: T0, path: PING, plaintext: utf8('{"type":"ping"}') };
    for (let seq = 0; seq < 3; seq++) {
      const frame = await sealChannelFrame({ ...input, seq, aes: sender });
      const reference = await sealChannelFrame({ ...input, seq });
      expect(toBase64url(frame.bytes)).toBe(toBase64url(reference.bytes));
      const tampered = frame.bytes.slice();
      tampered[tampered.length - 3]! ^= 0x80;
      const refused = await openChannelFrame(tampered, options).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ChannelError);
      expect((refused as ChannelError).code).toBe("decrypt_failed");
      const opened = await openChannelFrame(frame.bytes, options);
      expect(text(opened.plaintext)).toBe('{"type":"ping"}');
      for (const answer of ["first answer", "second answer"]) {
        const sealed = await opened.sealResponse(utf8(answer));
        expect(text(await frame.openResponse(sealed))).toBe(answer);
      }
      // The same frame again is a replay, whichever implementation opens it.
      const again = await openChannelFrame(frame.bytes, options).catch((err: unknown) => err);
      expect((again as ChannelError).code).toBe("replayed");
    }
  });
});
