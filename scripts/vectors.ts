// Writes the protocol's test vectors (test/vectors/*.json): from fixed seeds and fixed randomness,
// the exact keys, signatures, card and envelope bytes. Signing uses deterministic ML-DSA and the
// noble primitives, the only path that can take fixed randomness; the tests then check every
// implementation path against these bytes. Run after a deliberate change to the wire format:
//   npm run vectors
import { utf8 } from "../src/protocol/encoding/bytes.ts";
import type { UnsignedCard } from "../src/protocol/card/schema.ts";
import { cardSigningInput, signCard } from "../src/protocol/card/sign.ts";
import { openEnvelope } from "../src/protocol/envelope/open.ts";
import { seal } from "../src/protocol/envelope/seal.ts";
import { COMPOSITE_ALG, compositeVerifier } from "../src/protocol/identity/composite.ts";
import { XWING_ALG } from "../src/protocol/identity/xwing.ts";
import { keyId, LABELS, signingKeyFromSeed } from "../src/protocol/identity/keys.ts";
import { signRotation } from "../src/protocol/identity/rotation.ts";
import { deriveBytes } from "../src/protocol/identity/seed.ts";
import { xWing } from "../src/protocol/identity/xwing.ts";
import { b64, counting, dir, p, write } from "./vectors/common.ts";
import "./vectors/clearing-solver.ts";
import "./vectors/ledger.ts";
import "./vectors/registry.ts";
import "./vectors/registry-items.ts";
import "./vectors/trust-entries.ts";
import "./vectors/dns-proof.ts";
import "./vectors/agent-entries.ts";
import "./vectors/package-entries.ts";
import "./vectors/forwarding-entries.ts";
import "./vectors/package-bundles.ts";
import "./vectors/mailbox.ts";
import "./vectors/alerts.ts";
import "./vectors/trace-context.ts";
import { blackboardVectors } from "./vectors/blackboard.ts";
import { blackboardConsistencyVectors } from "./vectors/blackboard-consistency.ts";
import { budgetVectors } from "./vectors/budgets.ts";
import { channelVectors } from "./vectors/channel.ts";
import { channelFirstVectors } from "./vectors/channel-first.ts";
import { channelLaneAnswersVectors } from "./vectors/channel-lane-answers.ts";
import { compositeSignedVectors } from "./vectors/composite.ts";
import { checkpointSuiteVectors } from "./vectors/ledger-checkpoint.ts";
import { settlementVectors } from "./vectors/ledger-settlement.ts";
import { frameVectors } from "./vectors/frames.ts";
import { hlcVectors } from "./vectors/hlc.ts";
import { messageVectors } from "./vectors/messages.ts";
import { onionVectors } from "./vectors/onion.ts";
import { ohttpVectors } from "./vectors/ohttp.ts";
import { reconciliationVectors } from "./vectors/reconciliation.ts";
import { refusalVectors } from "./vectors/refusals.ts";
import { forwardVectors } from "./vectors/forward.ts";
import { forwardFeeVectors } from "./vectors/forward-fee.ts";
import { tokenVectors } from "./vectors/tokens.ts";
import { trustedTokenVectors } from "./vectors/tokens-trusted.ts";
import { clearingVectors } from "./vectors/clearing.ts";
import { discoveryVectors } from "./vectors/discovery.ts";
import { directoryEntryVectors } from "./vectors/directory-entries.ts";
import { backupVectors } from "./vectors/backup.ts";
import { backupDepositVectors } from "./vectors/backup-deposit.ts";
import { backupStreamVectors } from "./vectors/backup-stream.ts";
import { configVectors } from "./vectors/config.ts";

const seed = counting(0x00);
const key = await signingKeyFromSeed(p, seed);
const message = utf8("mcpfed/1 test vector message");
const xSeed = counting(0x80);
const eseed = counting(0xc0, 64);
const x = xWing(p);
const xKey = await x.fromSeed(xSeed);
const encapsulated = await x.encapsulate(await x.importPublic(xKey.publicKey), eseed);
const nextSeed = counting(0x20);
const next = await signingKeyFromSeed(p, nextSeed);

write("identity.json", {
  about: "Identity derivation (docs/protocol.md, Identity). Bytes are base64url; signatures use deterministic ML-DSA.",
  seed: b64(seed),
  derived: {
    [LABELS.mlDsa65]: b64(await deriveBytes(seed, LABELS.mlDsa65)),
    [LABELS.ed25519]: b64(await deriveBytes(seed, LABELS.ed25519)),
  },
  signing: { publicKey: b64(key.signer.publicKey), keyId: key.keyId, nodeId: key.nodeId },
  signature: { context: "mcpfed/1 vector", message: b64(message), signature: b64(await key.signer.sign(message, "mcpfed/1 vector")) },
  xwing: {
    seed: b64(xSeed),
    publicKey: b64(xKey.publicKey),
    keyId: await keyId(XWING_ALG, xKey.publicKey),
    eseed: b64(eseed),
    enc: b64(encapsulated.enc),
    sharedSecret: b64(encapsulated.sharedSecret),
  },
  rotation: { nextSeed: b64(nextSeed), nextPublicKey: b64(next.signer.publicKey), statement: await signRotation(key.nodeId, key.signer, next.signer.publicKey, 1_767_225_600) },
});
// Cards: the node above with two encryption keys (current, previous), and after a signing-key
// rotation (same id, the next key signing, the hand-over statement attached).
const previousXSeed = counting(0xa0);
const previousX = await x.fromSeed(previousXSeed);
const IAT = 1_767_225_600;
const kem = [
  { alg: XWING_ALG, kid: await keyId(XWING_ALG, xKey.publicKey), pub: b64(xKey.publicKey) },
  { alg: XWING_ALG, kid: await keyId(XWING_ALG, previousX.publicKey), pub: b64(previousX.publicKey) },
];
const body = (k: typeof key): UnsignedCard => ({
  id: key.nodeId,
  name: "vector node",
  url: "https://a.example",
  mcp: "https://a.example/mcp",
  versions: ["mcpfed/1"],
  features: ["ping"],
  keys: { sig: { alg: COMPOSITE_ALG, kid: k.keyId, pub: b64(k.signer.publicKey) }, kem },
  contact: "mailto:ops@a.example",
  iat: IAT,
  exp: IAT + 86_400,
});
const rotatedBody = { ...body(next), rotations: [await signRotation(key.nodeId, key.signer, next.signer.publicKey, IAT - 3600)] };
write("card.json", {
  about: "Node cards (docs/protocol.md, Node card): `card` is signed by `seed`; `rotated` by `nextSeed` after a rotation.",
  seed: b64(seed),
  nextSeed: b64(nextSeed),
  kemSeeds: [b64(xSeed), b64(previousXSeed)],
  now: IAT + 60,
  card: await signCard(body(key), key.signer),
  canonical: new TextDecoder().decode(cardSigningInput(body(key))),
  rotated: await signCard(rotatedBody, next.signer),
});

// An envelope from that node to a second one, sealed to the first X-Wing key above, and the
// second node's sealed answer.
const recipientSeed = counting(0x40);
const recipient = await signingKeyFromSeed(p, recipientSeed);
const NOW = IAT + 120;
const fixed = { ekm: counting(0xe0, 64), jti: counting(0x10, 16) };
const request = utf8('{"type":"ping"}');
const sealed = await seal({
  primitives: p,
  signer: key.signer,
  from: key.nodeId,
  to: recipient.nodeId,
  recipientKey: kem[0]!,
  version: "mcpfed/1",
  method: "POST",
  path: "/federation/v1/ping",
  plaintext: request,
  now: NOW,
  fixed,
});
const accepted = new Set<string>();
const opened = await openEnvelope(sealed.bytes, {
  self: { nodeId: recipient.nodeId, keys: { find: async (kid) => (kid === kem[0]!.kid ? { epoch: 0, keyId: kid, ...xKey } : undefined) }, primitives: p },
  sender: async () => ({ verifier: await compositeVerifier(p, key.signer.publicKey), version: "mcpfed/1" }),
  replay: { seen: async (_s, jti) => accepted.has(jti), record: async (_s, jti) => !accepted.has(jti) && !!accepted.add(jti) },
  now: NOW,
  skew: 60,
  method: "POST",
  path: "/federation/v1/ping",
  maxBytes: 1 << 20,
});
const responseNonce = counting(0x30, 32);
const answer = utf8(`{"at":${NOW},"type":"pong"}`);
write("envelope.json", {
  about: "A sealed request and its sealed response (docs/protocol.md, Envelope). The KEM key is identity.json's xwing key.",
  senderSeed: b64(seed),
  recipientSeed: b64(recipientSeed),
  recipientKemSeed: b64(xSeed),
  recipientKemKey: kem[0],
  now: NOW,
  ekm: b64(fixed.ekm),
  jti: b64(fixed.jti),
  plaintext: b64(request),
  header: sealed.header,
  envelope: b64(sealed.bytes),
  response: { nonce: b64(responseNonce), plaintext: b64(answer), sealed: b64(await opened.sealResponse(answer, responseNonce)) },
});

const strangerSeed = counting(0x60);
const stranger = { seed: strangerSeed, key: await signingKeyFromSeed(p, strangerSeed) };
await refusalVectors({
  sender: { seed, key },
  recipient: { seed: recipientSeed, key: recipient, kemSeed: xSeed, kem: xKey, kemKey: kem[0]! },
  otherKemKey: kem[1]!,
  stranger,
  now: NOW,
  fixed,
  card: await signCard(body(key), key.signer),
});
messageVectors();
await reconciliationVectors();
hlcVectors();
await frameVectors((plaintext, nonce) => opened.sealResponse(plaintext, nonce));
await compositeSignedVectors({ origin: { seed, key }, other: { seed: recipientSeed, key: recipient }, stranger, card: await signCard(body(key), key.signer) });
const fixedToken = await tokenVectors();
await trustedTokenVectors({ issuer: { seed, key }, provider: { seed: recipientSeed, key: recipient }, stranger, token: fixedToken.token, tokenIssuer: fixedToken.issuer, publicKey: fixedToken.publicKey });
await channelVectors({ initiator: { seed, key }, responder: { seed: recipientSeed, key: recipient, kemSeed: xSeed, kem: xKey, kemKey: kem[0]! }, now: NOW });
await channelFirstVectors({ initiator: { seed, key }, responder: { seed: recipientSeed, key: recipient, kemSeed: xSeed, kem: xKey, kemKey: kem[0]! }, now: NOW });
await channelLaneAnswersVectors();
await onionVectors();
await checkpointSuiteVectors({ consumer: { seed, key }, provider: { seed: recipientSeed, key: recipient }, stranger });
await settlementVectors({ debtor: { seed, key }, creditor: { seed: recipientSeed, key: recipient }, stranger });
await ohttpVectors();
await blackboardVectors({ writer: { seed, key }, other: { seed: recipientSeed, key: recipient }, stranger });
await blackboardConsistencyVectors({ a: { seed, key }, b: { seed: recipientSeed, key: recipient }, c: stranger });
await budgetVectors({ owner: { seed, key }, member: { seed: recipientSeed, key: recipient }, stranger });
await forwardVectors({
  sender: { seed, key, card: await signCard(body(key), key.signer) },
  destination: { seed: recipientSeed, key: recipient, kemSeed: xSeed, kemKey: kem[0]! },
  stranger,
  now: NOW,
});
await forwardFeeVectors({ consumer: { seed, key }, forwarder: { seed: recipientSeed, key: recipient }, stranger });
await clearingVectors([{ seed, key }, { seed: recipientSeed, key: recipient }, stranger]);
await discoveryVectors({ origin: { seed, key }, stranger });
await directoryEntryVectors({ origin: { seed, key, card: await signCard(body(key), key.signer) }, stranger: { ...stranger, card: await signCard(body(stranger.key), stranger.key.signer) } });
await backupVectors();
await backupDepositVectors();
await backupStreamVectors();
await configVectors();

console.log(`wrote test vectors to ${dir}`);
