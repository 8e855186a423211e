// Answers keyed per lane (docs/protocol.md §5.6, feature `channel-lane-answers`): frames whose
// header ends in the answers byte, on two lanes of one epoch, with their answers; frames the opener
// refuses, and answers that do not open, each with the code it earns. The epoch secrets are fixed
// bytes (channel.json derives such secrets from a handshake). Checked against the code as written.
import { expand } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { ChannelError, CHANNEL_ERRORS, type ChannelErrorCode } from "../../src/protocol/channel/errors.ts";
import { frameId, parseFrame } from "../../src/protocol/channel/frame.ts";
import { type EpochSecrets } from "../../src/protocol/channel/handshake.ts";
import { openChannelFrame, type OpenChannelOptions } from "../../src/protocol/channel/open.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { agree, b64, counting, write } from "./common.ts";

const SKEW = 60;
const MAX_BYTES = 1 << 20;
const NOW = 1_767_225_600;
const TIMING = { startsAt: NOW, epochSeconds: 3600, expiresAt: NOW + 86_400 };
const PATH = "/federation/v1/ping";

/** The real opener on the fixed channel at `now`, with the ids in `seen` already recorded. */
function options(cid: string, secrets: EpochSecrets, seen: string[], laneAnswers: boolean, maxBytes = MAX_BYTES): OpenChannelOptions {
  const recorded = new Set(seen);
  return {
    channels: { find: async (c) => (c === cid ? { peer: "initiator", ...TIMING, secretFor: async (e) => (e === secrets.epoch ? secrets : undefined) } : undefined) },
    replay: { seen: async (_s, jti) => recorded.has(jti), record: async (_s, jti) => !recorded.has(jti) && !!recorded.add(jti) },
    now: NOW + 5,
    skew: SKEW,
    path: PATH,
    maxBytes,
    laneAnswers,
  };
}

async function verdict(run: () => Promise<unknown>): Promise<ChannelErrorCode | "accepted"> {
  try {
    await run();
    return "accepted";
  } catch (err) {
    if (err instanceof ChannelError) return err.code;
    throw err;
  }
}

export async function channelLaneAnswersVectors(): Promise<void> {
  const cid = counting(0x68, 16);
  const cidText = b64(cid);
  const secrets: EpochSecrets = { epoch: 0, c: counting(0x20), s: counting(0x40) };
  const laneA = counting(0x01, 16);
  const laneB = counting(0xf0, 16);
  const frames = [];
  const made = [];
  for (const f of [
    { name: "lane A, seq 0, two answers", lane: laneA, seq: 0, plaintext: '{"type":"ping"}', answers: [`{"at":${NOW + 5},"type":"pong"}`, '{"ok":true}'] },
    { name: "lane A, seq 1", lane: laneA, seq: 1, plaintext: '{"type":"ping"}', answers: ['{"ok":true,"result":{"at":1767225605,"type":"pong"}}'] },
    { name: "lane B, seq 0", lane: laneB, seq: 0, plaintext: '{"type":"ping"}', answers: ["{}"] },
  ]) {
    const frame = await sealChannelFrame({ cid, secrets, lane: f.lane, seq: f.seq, laneAnswers: true, now: NOW + 5, path: PATH, plaintext: utf8(f.plaintext) });
    const got = await openChannelFrame(frame.bytes, options(cidText, secrets, [], true));
    agree(`${f.name} opens`, f.plaintext, new TextDecoder().decode(got.plaintext));
    agree(`${f.name}: the header ends in the answers byte`, 1, frame.bytes[1 + ((frame.bytes[0]! << 8) | frame.bytes[1]!)]);
    const answers = [];
    for (const a of f.answers) {
      const sealed = await got.sealResponse(utf8(a));
      agree(`${f.name}: its answer opens`, a, new TextDecoder().decode(await frame.openResponse(sealed)));
      answers.push({ plaintext: a, sealed });
    }
    const parsed = parseFrame(frame.bytes, MAX_BYTES);
    const keys = expand(sha256, secrets.s, concat(utf8("mcpfed/1 channel lane answer"), f.lane), 44);
    made.push({ frame, answers });
    frames.push({
      name: f.name,
      lane: b64(f.lane),
      seq: f.seq,
      plaintext: f.plaintext,
      header: b64(parsed.headerBytes),
      id: frameId(parsed.header),
      answerKey: b64(keys.subarray(0, 32)),
      answerIv: b64(keys.subarray(32)),
      frame: b64(frame.bytes),
      answers: answers.map((a) => ({ plaintext: a.plaintext, sealed: b64(a.sealed) })),
    });
  }

  // Frames refused: the answers byte other than 1, asked of a node that does not offer the feature,
  // or taken off (the header is the AEAD's associated data, so the tag no longer verifies).
  const base = made[0]!.frame.bytes;
  const headerLength = (base[0]! << 8) | base[1]!;
  const otherByte = base.slice();
  otherByte[1 + headerLength] = 2;
  const stripped = concat(Uint8Array.of(0, headerLength - 1), base.subarray(2, 1 + headerLength), base.subarray(2 + headerLength));
  const refused: { name: string; frame: Uint8Array; offered: boolean; code: ChannelErrorCode }[] = [
    { name: "an answers byte other than 1", frame: otherByte, offered: true, code: "malformed" },
    { name: "answers per lane asked of a node that does not offer them", frame: base, offered: false, code: "malformed" },
    { name: "the answers byte taken off, the length fixed", frame: stripped, offered: true, code: "decrypt_failed" },
  ];
  for (const r of refused) agree(r.name, r.code, await verdict(() => openChannelFrame(r.frame, options(cidText, secrets, [], r.offered))));

  // Answers that do not open: each is bound to its request's seq and header and to its own index.
  const [first, second] = made;
  const misplaced: { name: string; run: () => Promise<unknown>; code: ChannelErrorCode }[] = [
    { name: "seq 0's answer 0 offered as seq 1's answer 0", run: () => second!.frame.openResponse(first!.answers[0]!.sealed), code: "decrypt_failed" },
    { name: "answer 1 offered as answer 0", run: async () => (await sealChannelFrame({ cid, secrets, lane: laneA, seq: 0, laneAnswers: true, now: NOW + 5, path: PATH, plaintext: utf8("{}") })).openResponse(first!.answers[1]!.sealed), code: "decrypt_failed" },
  ];
  for (const m of misplaced) agree(m.name, m.code, await verdict(m.run));

  write("channel-lane-answers.json", {
    about:
      "Answers keyed per lane (docs/protocol.md §5.6): `frames` open at `now` (skew 60, limit 1 MiB) on `path` under `secrets` (epoch 0 of channel `cid`, timing as given) to `plaintext`; " +
      "answer i of a frame opens under HKDF-Expand(s, \"mcpfed/1 channel lane answer\" || lane, 44) with nonce iv XOR (u32(seq) || u64(i)) and the frame's header as associated data. " +
      "`refused` frames earn `code` from a node that offers the feature (`offered`) or not; `misplaced` answers do not open (`decrypt_failed`).",
    now: NOW + 5,
    skew: SKEW,
    maxBytes: MAX_BYTES,
    path: PATH,
    cid: cidText,
    timing: TIMING,
    secrets: { epoch: secrets.epoch, c: b64(secrets.c), s: b64(secrets.s) },
    frames,
    refused: refused.map((r) => ({ name: r.name, offered: r.offered, frame: b64(r.frame), code: r.code, status: CHANNEL_ERRORS[r.code] })),
    misplaced: [
      { name: misplaced[0]!.name, frame: frames[1]!.name, answer: frames[0]!.answers[0]!.sealed, index: 0, code: "decrypt_failed" },
      { name: misplaced[1]!.name, frame: frames[0]!.name, answer: frames[0]!.answers[1]!.sealed, index: 0, code: "decrypt_failed" },
    ],
  });
}
