// The responsible node's side of a publish (src/node/discovery/holder.ts), over a real libSQL store
// and records signed by a real (Ed25519 test) key: a record is stored for a key this node is among
// the 2k closest to under XOR; one it is only rendezvous-responsible for is stored only when the
// sender may still place by rendezvous (§20.2, §20.5: `index-xor` not on here, or its card lacks it);
// any other is refused as not_responsible.
import { describe, expect, it } from "vitest";
import { signIndexRecord } from "../../src/protocol/discovery/record.ts";
import { NodePositions, positionOf, rendezvousOwners } from "../../src/protocol/discovery/placement.ts";
import { receivePublish, type HolderPort } from "../../src/node/discovery/holder.ts";
import type { Directory } from "../../src/node/discovery/directory.ts";
import { memoryDb } from "../support/libsql.ts";
import { ed25519TestSigner } from "../support/ed25519.ts";

const NOW = 1_767_225_600;
const K = 2;
const origin = await ed25519TestSigner();
const SELF = "holder-self";
const ids = [SELF, origin.signer.nodeId, ...Array.from({ length: 38 }, (_, i) => `node-${i}`)];
const directory = new NodePositions(ids.map((id) => ({ id, url: `https://${id}.example` })));
const xorMine = (key: string) => directory.closest(positionOf(key), 2 * K).some((n) => n.id === SELF);
const rendezvousMine = (key: string) => rendezvousOwners(key, ids, 2 * K).includes(SELF);
/** The first key of the kind asked for: this node's by XOR, by rendezvous only, or by neither. */
const keyWhere = (xor: boolean, rendezvous: boolean) => {
  for (let i = 0; ; i++) if (xorMine(`kw:w${i}`) === xor && rendezvousMine(`kw:w${i}`) === rendezvous) return `kw:w${i}`;
};

async function publish(rendezvousFrom: boolean, keys: string[]) {
  const port: HolderPort = {
    db: await memoryDb(),
    nodeId: SELF,
    now: () => NOW,
    directory: { view: async () => ({ nodes: directory, cards: new Map() }) } as unknown as Directory,
    config: { index: { minNodes: 1, replicas: K, ttlSeconds: 3600, rendezvousMax: 100_000 }, clockSkewSeconds: 60 },
    takesAgents: true,
    keyOf: async () => origin.key,
    rendezvousFrom: async () => rendezvousFrom,
  };
  const records = await Promise.all(keys.map((key, i) => signIndexRecord({ v: 1, origin: origin.signer.nodeId, key, url: "https://origin.example", seq: i + 1, exp: NOW + 3600, tools: [] }, origin.signer)));
  return receivePublish(port, origin.signer.nodeId, { type: "index-publish", records });
}

describe("a holder's responsibility check", () => {
  const byXor = keyWhere(true, false);
  const byRendezvousOnly = keyWhere(false, true);
  const byNeither = keyWhere(false, false);

  it("takes the keys it is XOR-responsible for from any sender, and no key it is responsible for by no rule", async () => {
    const answer = await publish(false, [byXor, byNeither]);
    expect(answer).toEqual({ type: "index-publish", stored: 1, refused: [{ index: 1, reason: "not_responsible" }] });
  });

  it("takes a key it is only rendezvous-responsible for from a sender that may still place by rendezvous, and not from one that places by XOR", async () => {
    expect(await publish(true, [byRendezvousOnly, byXor])).toEqual({ type: "index-publish", stored: 2, refused: [] });
    expect(await publish(false, [byRendezvousOnly, byXor])).toEqual({ type: "index-publish", stored: 1, refused: [{ index: 0, reason: "not_responsible" }] });
  });
});
