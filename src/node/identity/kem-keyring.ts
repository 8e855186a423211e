// The node's encryption keys. Unlike the signing key they are random, not derived from NODE_SEED:
// a leaked seed must not open past traffic. Time is cut into epochs of KEM_ROTATION_SECONDS; each
// epoch has one key, made by whichever isolate needs it first (insert-if-absent, so every isolate
// of a deployment agrees). The previous epoch's key stays valid for the overlap; older secrets are
// deleted, so traffic of a retired epoch cannot be opened again, even with NODE_SEED.
import { fromBase64url, toBase64url, utf8 } from "../../protocol/encoding/bytes.ts";
import type { Database } from "../../store/database.ts";
import { deleteKemKey, deleteKemKeysBefore, insertKemKeyIfAbsent, kemKeysOfEpochs, type KemKeyRow } from "../../store/identity/kem-keys.ts";
import { keyId } from "../../protocol/identity/keys.ts";
import type { Primitives } from "../../protocol/identity/primitives.ts";
import { xWing, XWING_ALG, XWING_SEED_BYTES } from "../../protocol/identity/xwing.ts";
import type { KemKey } from "../../protocol/envelope/open.ts";

export interface KemKeyringOptions {
  db: Database;
  primitives: Primitives;
  /** 32 bytes derived from NODE_SEED: wraps the stored secrets. */
  storageKey: Uint8Array;
  periodSeconds: number;
}

export class KemKeyring {
  private cached: { epoch: number; keys: KemKey[] } | undefined;
  private loading: Promise<{ epoch: number; keys: KemKey[] }> | undefined;
  private wrapKey: Promise<CryptoKey> | undefined;

  constructor(private readonly o: KemKeyringOptions) {}

  epochAt(nowSeconds: number): number {
    return Math.floor(nowSeconds / this.o.periodSeconds);
  }

  /** The keys in force: this epoch's first, then the previous epoch's if it exists. */
  async keys(nowSeconds: number): Promise<KemKey[]> {
    const epoch = this.epochAt(nowSeconds);
    if (this.cached?.epoch === epoch) return this.cached.keys;
    // Concurrent requests at an epoch change share one load.
    if (!this.loading) {
      this.loading = this.load(epoch).finally(() => (this.loading = undefined));
    }
    const loaded = await this.loading;
    if (loaded.epoch !== epoch) return this.keys(nowSeconds);
    this.cached = loaded;
    return loaded.keys;
  }

  /** The key with this id, if it is current or overlapping. */
  async find(kid: string, nowSeconds: number): Promise<KemKey | undefined> {
    return (await this.keys(nowSeconds)).find((k) => k.keyId === kid);
  }

  private async load(epoch: number): Promise<{ epoch: number; keys: KemKey[] }> {
    const { db } = this.o;
    const wanted = [epoch, epoch - 1];
    const read = () => kemKeysOfEpochs(db, wanted);
    let opened = await this.open(await read());
    if (!opened.some((k) => k.epoch === epoch)) {
      await insertKemKeyIfAbsent(db, await this.create(epoch));
      opened = await this.open(await read());
    }
    // Forward secrecy: retired secrets leave the store as soon as a newer epoch is in force.
    await deleteKemKeysBefore(db, epoch - 1);
    return { epoch, keys: opened.filter((k) => k.epoch <= epoch).sort((a, b) => b.epoch - a.epoch) };
  }

  /**
   * Unwraps stored keys. A key sealed under another NODE_SEED (the one a signing-key rotation
   * retired) cannot be opened: it is deleted, and the epoch gets a new key. Peers holding the old
   * card are told unknown_key and fetch the new one.
   */
  private async open(rows: KemKeyRow[]): Promise<KemKey[]> {
    const keys: KemKey[] = [];
    for (const r of rows) {
      let seed: Uint8Array;
      try {
        seed = await this.unwrap(r.epoch, fromBase64url(r.sealedSeed));
      } catch {
        await deleteKemKey(this.o.db, r.epoch, r.sealedSeed);
        continue;
      }
      const { publicKey, privateKey } = await xWing(this.o.primitives).fromSeed(seed);
      seed.fill(0);
      keys.push({ epoch: r.epoch, keyId: r.keyId, publicKey, privateKey });
    }
    return keys;
  }

  /** Deletes secrets older than the overlap even when no traffic asks for keys (the tick). */
  async prune(nowSeconds: number): Promise<void> {
    const epoch = this.epochAt(nowSeconds);
    await deleteKemKeysBefore(this.o.db, epoch - 1);
    if (this.cached && this.cached.epoch < epoch) this.cached = undefined;
  }

  private async create(epoch: number) {
    const seed = crypto.getRandomValues(new Uint8Array(XWING_SEED_BYTES));
    const { publicKey } = await xWing(this.o.primitives).fromSeed(seed);
    const sealed = await this.wrap(epoch, seed);
    seed.fill(0);
    return { epoch, keyId: await keyId(XWING_ALG, publicKey), publicKey: toBase64url(publicKey), sealedSeed: toBase64url(sealed) };
  }

  private aesKey(): Promise<CryptoKey> {
    this.wrapKey ??= crypto.subtle.importKey("raw", this.o.storageKey as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]);
    return this.wrapKey;
  }

  // The epoch is the associated data, so a sealed secret cannot be moved to another row.
  private async wrap(epoch: number, seed: Uint8Array): Promise<Uint8Array> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(`mcpfed/1 kem-key ${epoch}`) }, await this.aesKey(), seed as BufferSource);
    const out = new Uint8Array(12 + ct.byteLength);
    out.set(iv);
    out.set(new Uint8Array(ct), 12);
    return out;
  }

  private async unwrap(epoch: number, sealed: Uint8Array): Promise<Uint8Array> {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.subarray(0, 12) as BufferSource, additionalData: utf8(`mcpfed/1 kem-key ${epoch}`) },
      await this.aesKey(),
      sealed.subarray(12) as BufferSource,
    );
    return new Uint8Array(pt);
  }
}
