// An issuing node's ledger for the token tests of src/node/tokens: a real libSQL ledger signing
// with a test Ed25519 key as the identity code does (src/node/registry/node-keys.ts), a peer and a
// stranger it knows the keys of, its quarantine and its secrets.
import type { LocalIdentity } from "../../src/node/identity/local.ts";
import type { LedgerHandlers } from "../../src/node/ledger/reconciliation.ts";
import { Quarantine } from "../../src/node/trust/quarantine.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { SecretBox } from "../../src/secrets/sealed-box.ts";
import { ed25519TestSigner, TestKeyring } from "./ed25519.ts";
import { ledgerNode } from "./ledger.ts";

export async function issuerOnLedger() {
  const own = await ed25519TestSigner();
  const [peer, stranger] = await Promise.all([ed25519TestSigner(), ed25519TestSigner()]);
  const keys = new TestKeyring().add(peer, own, stranger);
  const issuer = await ledgerNode(own.signer, keys, new Map<string, LedgerHandlers>());
  const identity = { nodeId: issuer.id, signing: { signer: { sign: own.signer.sign, signEd25519: own.signer.sign } } } as unknown as LocalIdentity;
  return { issuer, peer, stranger, keys, quarantine: new Quarantine(issuer.db()), identity: async () => identity, secrets: new SecretBox(parseSeed(newSeed())) };
}
