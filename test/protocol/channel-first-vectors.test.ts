// The first-flight vectors (test/vectors/channel-first.json) on every crypto path: the responder
// opens the accepted flight to its call and seals the vector's answers byte for byte; the initiator
// opens the call's answer from the accept and derives the channel; every refused flight earns its
// code, the replayed one from the envelope's replay record, in the order the file lists.
import { describe, expect, it } from "vitest";
import { ChannelError } from "../../src/protocol/channel/errors.ts";
import { exportHs, firstFlightSecrets, openFirstFlight, sealFirstFlight } from "../../src/protocol/channel/first-flight.ts";
import { channelAcceptResult, channelOpen, channelOpenRequest, completeChannel, type ChannelAccept } from "../../src/protocol/channel/handshake.ts";
import { fromBase64url, toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { EnvelopeError } from "../../src/protocol/envelope/errors.ts";
import { openEnvelope } from "../../src/protocol/envelope/open.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import type { Primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { PATHS, vector } from "./paths.ts";

interface FirstVectors {
  now: number;
  skew: number;
  maxBytes: number;
  accepted: {
    ephemeralSeed: string;
    lane: string;
    envelope: string;
    hs: string;
    secrets: { c: string; s: string };
    frame: string;
    call: string;
    answer: string;
    accept: ChannelAccept;
    answerNonce: string;
    sealedAnswer: string;
    epoch0: { c: string; s: string };
  };
  refused: { name: string; code: string; status: number; envelope: string }[];
  afterwards: { envelope: string; verdict: "accepted" };
}

const v = vector<FirstVectors>("channel-first.json");
const e = vector<{ senderSeed: string; recipientSeed: string; recipientKemSeed: string; recipientKemKey: { kid: string; pub: string } }>("envelope.json");
const b = fromBase64url;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const CALL_PATH = "/federation/v1/call";

describe.each(PATHS)("first-flight vectors on the %s path", (_name, p: Primitives) => {
  /** The responder, with one replay record across the envelopes it is given. */
  async function responder() {
    const [alice, bob] = await Promise.all([signingKeyFromSeed(p, b(e.senderSeed)), signingKeyFromSeed(p, b(e.recipientSeed))]);
    const kem = await xWing(p).fromSeed(b(e.recipientKemSeed));
    const recorded = new Set<string>();
    const receive = async (envelope: string) => {
      const opened = await openEnvelope(b(envelope), {
        self: { nodeId: bob.nodeId, keys: { find: async () => ({ epoch: 0, keyId: e.recipientKemKey.kid, ...kem }) }, primitives: p },
        sender: async () => ({ verifier: await compositeVerifier(p, alice.signer.publicKey), version: "mcpfed/1" }),
        replay: { seen: async (s, jti) => recorded.has(`${s} ${jti}`), record: async (s, jti) => !recorded.has(`${s} ${jti}`) && !!recorded.add(`${s} ${jti}`) },
        now: v.now,
        skew: v.skew,
        method: "POST",
        path: "/federation/v1/channel",
        maxBytes: v.maxBytes,
      });
      const request = channelOpenRequest.parse(JSON.parse(text(opened.plaintext)));
      const hs = await exportHs(opened.exportSecret);
      return { opened, hs, first: await openFirstFlight(b(request.first!), { hs, now: v.now, skew: v.skew, path: CALL_PATH, maxBytes: v.maxBytes }) };
    };
    const verdict = (envelope: string) =>
      receive(envelope).then(
        () => "accepted",
        (err: unknown) => {
          if (err instanceof ChannelError || err instanceof EnvelopeError) return `${err.code} ${err.status}`;
          throw err;
        },
      );
    return { receive, verdict };
  }

  it("the responder opens the flight to its call under the secrets from hs, and seals the vector's answers", async () => {
    const { receive } = await responder();
    const got = await receive(v.accepted.envelope);
    expect(toBase64url(got.hs)).toBe(v.accepted.hs);
    const secrets = firstFlightSecrets(got.hs);
    expect([toBase64url(secrets.c), toBase64url(secrets.s)]).toEqual([v.accepted.secrets.c, v.accepted.secrets.s]);
    expect(text(got.first.plaintext)).toBe(v.accepted.call);
    expect(got.first.header.seq).toBe(0);
    expect(toBase64url(await got.first.sealResponse(utf8(v.accepted.answer)))).toBe(v.accepted.accept.first);
    expect(toBase64url(await got.opened.sealResponse(utf8(JSON.stringify({ ok: true, result: v.accepted.accept })), b(v.accepted.answerNonce)))).toBe(v.accepted.sealedAnswer);
  });

  it("the initiator reseals the flight byte for byte, opens the call's answer from the accept and derives epoch 0", async () => {
    const frame = await sealFirstFlight({ hs: b(v.accepted.hs), lane: b(v.accepted.lane), now: v.now, path: CALL_PATH, plaintext: utf8(v.accepted.call) });
    expect(toBase64url(frame.bytes)).toBe(v.accepted.frame);
    const accept = channelAcceptResult.parse(v.accepted.accept);
    expect(text(await frame.openResponse(b(accept.first!)))).toBe(v.accepted.answer);
    const open = await channelOpen(p, b(v.accepted.ephemeralSeed));
    const made = await completeChannel({ primitives: p, ephemeral: open.ephemeral, envelope: b(v.accepted.envelope), hs: b(v.accepted.hs), accept, now: v.now, skew: v.skew });
    expect([toBase64url(made.secrets.c), toBase64url(made.secrets.s)]).toEqual([v.accepted.epoch0.c, v.accepted.epoch0.s]);
  });

  it("refuses every refused flight with its code, the replayed one by the envelope's record; a fresh flight still opens", async () => {
    const { verdict } = await responder();
    expect(await verdict(v.accepted.envelope)).toBe("accepted");
    for (const r of v.refused) expect(await verdict(r.envelope), r.name).toBe(`${r.code} ${r.status}`);
    expect(await verdict(v.afterwards.envelope)).toBe(v.afterwards.verdict);
  });
});
