// CPU per channel request of the frame work on both sides (seal the frame, open it with the real
// opener, seal the answer, open it), answers keyed per request against answers keyed per lane
// (docs/protocol.md §5.6), alternating blocks in one process, one lane per epoch as a sender keeps.
//
//   npx tsx scripts/bench/channel-answers.ts     (CHANNEL_ANSWERS_OPS=3000 per schedule, CHANNEL_ANSWERS_BLOCKS=6)
import { loadavg } from "node:os";
import { openChannelFrame, type OpenChannelOptions } from "../../src/protocol/channel/open.ts";
import { sealChannelFrame } from "../../src/protocol/channel/seal.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { fmt, intEnv, machine, median, table } from "./lib.ts";

const ops = intEnv("CHANNEL_ANSWERS_OPS", 3000);
const blocks = intEnv("CHANNEL_ANSWERS_BLOCKS", 6);
const cid = crypto.getRandomValues(new Uint8Array(16));
const secrets = { epoch: 0, c: crypto.getRandomValues(new Uint8Array(32)), s: crypto.getRandomValues(new Uint8Array(32)) };
const now = Math.floor(Date.now() / 1000);
const options: OpenChannelOptions = {
  channels: { find: async (c) => (c === toBase64url(cid) ? { peer: "p", startsAt: now - 10, epochSeconds: 3600, expiresAt: now + 86_400, secretFor: async () => secrets } : undefined) },
  replay: { seen: async () => false, record: async () => true },
  now,
  skew: 60,
  path: "/federation/v1/call",
  maxBytes: 1 << 20,
  laneAnswers: true,
};
const request = new TextEncoder().encode(JSON.stringify({ type: "call", key: "x".repeat(60), arguments: { text: "y".repeat(200) }, intent: { sig: "z".repeat(400) } }));
const answer = new TextEncoder().encode(JSON.stringify({ ok: true, result: { content: [{ type: "text", text: "y".repeat(200) }], receipt: { sig: "z".repeat(600) } } }));
const lane = crypto.getRandomValues(new Uint8Array(16));
let seq = 0;

async function block(laneAnswers: boolean): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < ops; i++) {
    const frame = await sealChannelFrame({ cid, secrets, lane, seq: seq++, laneAnswers, now, path: "/federation/v1/call", plaintext: request });
    const opened = await openChannelFrame(frame.bytes, options);
    await frame.openResponse(await opened.sealResponse(answer));
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ops;
}

const load0 = loadavg()[0]!;
await block(false);
await block(true);
const us: Record<"request" | "lane", number[]> = { request: [], lane: [] };
for (let b = 0; b < blocks; b++) {
  for (const laneAnswers of b % 2 ? [true, false] : [false, true]) us[laneAnswers ? "lane" : "request"].push(await block(laneAnswers));
}
console.log(`${machine()}; ${blocks} blocks of ${ops} requests per schedule; load ${fmt(load0, 2)} → ${fmt(loadavg()[0]!, 2)}\n`);
console.log(table(["answers keyed", "CPU µs per request, both sides (median of blocks)", "blocks"], [
  ["per request", fmt(median(us.request), 1), us.request.map((x) => fmt(x, 0)).join(" ")],
  ["per lane", fmt(median(us.lane), 1), us.lane.map((x) => fmt(x, 0)).join(" ")],
]));
console.log(`\nper lane / per request: ${fmt(median(us.lane) / median(us.request), 2)}`);
