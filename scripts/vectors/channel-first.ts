// The first flight (docs/protocol.md §5.6, "First flight"; §6.11 version 2): a channel-open
// envelope between envelope.json's two nodes carrying a call sealed under its exported secrets,
// the responder's accept carrying the call's plain answer, and first flights the responder
// refuses, each with its code: a replayed flight by the envelope's replay record, a frame with a
// counter other than 0, one lifted into another envelope, and tampered ones.
import { fromBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { ChannelError, CHANNEL_ERRORS } from "../../src/protocol/channel/errors.ts";
import { exportHs, FIRST_FLIGHT_CID, firstFlightSecrets, openFirstFlight, sealFirstFlight } from "../../src/protocol/channel/first-flight.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { acceptChannel, channelAcceptResult, channelOpen, channelOpenRequest, completeChannel } from "../../src/protocol/channel/handshake.ts";
import { ENVELOPE_ERRORS, EnvelopeError } from "../../src/protocol/envelope/errors.ts";
import { openEnvelope } from "../../src/protocol/envelope/open.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { CHANNEL_PATH, sealHandshake, type ChannelInputs } from "./channel.ts";
import { agree, b64, counting, p, write } from "./common.ts";

const CALL_PATH = "/federation/v1/call";
const SKEW = 60;
const MAX_BYTES = 1 << 20;
const CALL = '{"countersigned":[],"intent":{},"key":"nowhere/nothing","progress":false,"timeoutMs":5000,"type":"call"}';
const ANSWER = '{"ok":true,"result":{"acked":[],"error":{"code":"not_shared","message":"nowhere/nothing is not shared by this node"},"ok":false}}';

export async function channelFirstVectors(i: ChannelInputs): Promise<void> {
  const now = i.now;
  const open = await channelOpen(p, counting(0x71));
  const lane = counting(0x11, 16);
  /** A channel-open envelope whose first flight `flight` makes from the envelope's hs (default: the call, sealed as the protocol says). */
  const handshake = async (ekm: number, jti: number, flight?: (hs: Uint8Array) => Promise<Uint8Array>) => {
    let frame: Uint8Array | undefined;
    let hs: Uint8Array | undefined;
    const sealed = await sealHandshake(
      i,
      async (exportSecret) => {
        hs = await exportHs(exportSecret);
        frame = flight ? await flight(hs) : (await sealFirstFlight({ hs, lane, now, path: CALL_PATH, plaintext: utf8(CALL) })).bytes;
        return utf8(JSON.stringify({ ...open.request, first: b64(frame) }));
      },
      { ekm: counting(ekm, 64), jti: counting(jti, 16) },
    );
    return { sealed, frame: frame!, hs: hs! };
  };

  // The responder: the envelope opener (with a replay record) and the first flight's checks.
  const recorded = new Set<string>();
  const respond = async (envelope: Uint8Array) => {
    const opened = await openEnvelope(envelope, {
      self: { nodeId: i.responder.key.nodeId, keys: { find: async () => ({ epoch: 0, keyId: i.responder.kemKey.kid, ...i.responder.kem }) }, primitives: p },
      sender: async () => ({ verifier: await compositeVerifier(p, i.initiator.key.signer.publicKey), version: "mcpfed/1" }),
      replay: { seen: async (s, jti) => recorded.has(`${s} ${jti}`), record: async (s, jti) => !recorded.has(`${s} ${jti}`) && !!recorded.add(`${s} ${jti}`) },
      now,
      skew: SKEW,
      method: "POST",
      path: CHANNEL_PATH,
      maxBytes: MAX_BYTES,
    });
    const request = channelOpenRequest.parse(JSON.parse(new TextDecoder().decode(opened.plaintext)));
    const hs = await exportHs(opened.exportSecret);
    return { opened, request, hs, first: await openFirstFlight(fromBase64url(request.first!), { hs, now, skew: SKEW, path: CALL_PATH, maxBytes: MAX_BYTES }) };
  };
  const verdict = async (envelope: Uint8Array) => {
    try {
      await respond(envelope);
      return "accepted";
    } catch (err) {
      if (err instanceof ChannelError || err instanceof EnvelopeError) return err.code;
      throw err;
    }
  };

  // The accepted flight: B opens it, makes the channel and answers the call inside the accept.
  const good = await handshake(0x90, 0x58);
  const atB = await respond(good.sealed.bytes);
  agree("the first flight opens to the call", CALL, new TextDecoder().decode(atB.first.plaintext));
  agree("both ends export the same hs", b64(good.hs), b64(atB.hs));
  const cid = counting(0x68, 16);
  const eseed = counting(0xb0, 64);
  const accepted = await acceptChannel({ primitives: p, request: atB.request, envelope: good.sealed.bytes, hs: atB.hs, now, epochSeconds: 3600, lifetimeSeconds: 86_400, fixed: { cid, eseed } });
  const firstAnswer = await atB.first.sealResponse(utf8(ANSWER));
  const accept = { ...accepted.accept, first: b64(firstAnswer) };
  const answerNonce = counting(0x38, 32);
  const sealedAnswer = await atB.opened.sealResponse(utf8(JSON.stringify({ ok: true, result: accept })), answerNonce);
  const got = channelAcceptResult.parse((JSON.parse(new TextDecoder().decode(await good.sealed.openResponse(sealedAnswer))) as { result: unknown }).result);
  const initiator = await completeChannel({ primitives: p, ephemeral: open.ephemeral, envelope: good.sealed.bytes, hs: good.hs, accept: got, now, skew: SKEW });
  agree("both ends derive the same epoch-0 secrets", [b64(accepted.secrets.c), b64(accepted.secrets.s)], [b64(initiator.secrets.c), b64(initiator.secrets.s)]);
  const mine = await sealFirstFlight({ hs: good.hs, lane, now, path: CALL_PATH, plaintext: utf8(CALL) });
  agree("the initiator opens the call's answer from the accept", ANSWER, new TextDecoder().decode(await mine.openResponse(fromBase64url(got.first!))));
  const secrets = firstFlightSecrets(good.hs);

  // Refusals, each a whole first flight as B receives it (the accepted one first, so a copy of it is a replay).
  const flip = (bytes: Uint8Array, at: number) => {
    const out = bytes.slice();
    out[at]! ^= 0x01;
    return out;
  };
  const sealAs = (over: { cid?: Uint8Array; seq?: number; path?: string; iat?: number }) => async (hs: Uint8Array) =>
    (await sealChannelFrame({ cid: over.cid ?? FIRST_FLIGHT_CID, secrets: firstFlightSecrets(hs), lane, seq: over.seq ?? 0, now: over.iat ?? now, path: over.path ?? CALL_PATH, plaintext: utf8(CALL) })).bytes;
  const headerLength = (good.frame[0]! << 8) | good.frame[1]!;
  const other = await handshake(0xa0, 0x60);
  const refused: { name: string; envelope: Uint8Array; code: string; status: number }[] = [];
  const refuse = async (name: string, envelope: Uint8Array, code: keyof typeof CHANNEL_ERRORS | keyof typeof ENVELOPE_ERRORS) => {
    agree(name, code, await verdict(envelope));
    refused.push({ name, envelope, code, status: code in CHANNEL_ERRORS ? CHANNEL_ERRORS[code as keyof typeof CHANNEL_ERRORS] : ENVELOPE_ERRORS[code as keyof typeof ENVELOPE_ERRORS] });
  };
  await refuse("the accepted flight again: the envelope's replay record refuses it before the frame is read", good.sealed.bytes, "replayed");
  await refuse("a counter other than 0", (await handshake(0xb0, 0x61, sealAs({ seq: 1 }))).sealed.bytes, "malformed");
  await refuse("a channel id other than zero", (await handshake(0xb1, 0x62, sealAs({ cid: counting(0x68, 16) }))).sealed.bytes, "malformed");
  await refuse("a route other than call", (await handshake(0xb2, 0x63, sealAs({ path: "/federation/v1/ping" }))).sealed.bytes, "wrong_endpoint");
  await refuse("issued beyond the skew before the envelope", (await handshake(0xb3, 0x64, sealAs({ iat: now - SKEW - 1 }))).sealed.bytes, "expired");
  await refuse("a flipped bit in the ciphertext", (await handshake(0xb4, 0x65, async () => flip(good.frame, 2 + headerLength))).sealed.bytes, "decrypt_failed");
  await refuse("a flipped bit in the tag", (await handshake(0xb5, 0x66, async () => flip(good.frame, good.frame.length - 1))).sealed.bytes, "decrypt_failed");
  await refuse("the accepted flight's frame lifted into another envelope (keyed by that one's hs)", (await handshake(0xb6, 0x67, async () => good.frame)).sealed.bytes, "decrypt_failed");
  await refuse("truncated inside the header", (await handshake(0xb7, 0x68, async () => good.frame.subarray(0, 2 + headerLength - 1))).sealed.bytes, "malformed");
  agree("another envelope's own flight opens", "accepted", await verdict(other.sealed.bytes));

  write("channel-first.json", {
    about:
      "The first flight (docs/protocol.md §5.6, §6.11 version 2). Each `envelope` goes from envelope.json's sender to its recipient (KEM key identity.json's xwing key) at `now`, skew 60, limit 1 MiB; " +
      "the responder records each opened envelope's (sender, jti) in one replay set, in the order listed: `accepted` first, then `refused`. " +
      "`accepted.first` (in the envelope's channel-open) opens under `secrets` (from `hs`) to `call`; the accept carries `answer` sealed as answer 0, and the whole accept is sealed with `answerNonce`. " +
      "Each `refused` envelope earns `code` (`status`) and is refused before anything is stored.",
    now,
    skew: SKEW,
    maxBytes: MAX_BYTES,
    accepted: {
      ephemeralSeed: b64(counting(0x71)),
      lane: b64(lane),
      envelope: b64(good.sealed.bytes),
      hs: b64(good.hs),
      secrets: { c: b64(secrets.c), s: b64(secrets.s) },
      frame: b64(good.frame),
      call: CALL,
      answer: ANSWER,
      cid: b64(cid),
      eseed: b64(eseed),
      accept,
      answerNonce: b64(answerNonce),
      sealedAnswer: b64(sealedAnswer),
      epoch0: { c: b64(accepted.secrets.c), s: b64(accepted.secrets.s) },
    },
    refused: refused.map((r) => ({ name: r.name, code: r.code, status: r.status, envelope: b64(r.envelope) })),
    afterwards: { name: "another envelope's own flight, after every refusal", envelope: b64(other.sealed.bytes), verdict: "accepted" },
  });
}
