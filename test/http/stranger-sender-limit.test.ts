// Envelopes from nodes that are not peers count against FEDERATION_RATE_PER_SENDER like a peer's,
// over a real node's HTTP app, on every route that takes them: a stranger's direct `forwarded`
// message (docs/protocol.md §20.8: a public node of the directory with no peer row), the index
// (§20.2: the same senders) and clearing (§16.2: a node whose card this node holds). The message
// past the limit is refused `rate_limited` with Retry-After before the route reads it (for
// `forwarded`, before the envelope inside is opened), and messages in the sender's name whose
// signature fails count nothing, so a forger cannot spend its budget.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { ENVELOPE_CONTENT_TYPE } from "../../src/protocol/envelope/wire.ts";
import type { Sealed } from "../../src/protocol/envelope/seal.ts";
import { NODE_CARD_KEY } from "../../src/protocol/registry/entry.ts";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { startLocal, type LocalStart } from "../../src/runtimes/local.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { saveOriginCard } from "../../src/store/origin-cards.ts";
import { removeTempDirs, tempDir } from "../support/processes.ts";
import { envelopeAs } from "../support/seal-as.ts";
import { stranger, type Stranger } from "../support/stranger.ts";

const URL_OF_C = "http://127.0.0.1";
const LIMIT = 2;
const FORWARDED = "/federation/v1/forwarded";
let local: LocalStart;
let c: NodeApp;
let cCard: Card;
/** A and B, public nodes of C's directory; D, a node whose card C holds; the forger, who signs in their names with its own key. */
let a: Stranger, b: Stranger, d: Stranger, forger: Stranger;

beforeAll(async () => {
  local = await startLocal({ DATA_DIR: tempDir("mcpfed-stranger-limit-"), ADMIN_TOKEN: "stranger-limit-admin-token", NODE_SEED: newSeed(), TICK_SECONDS: "3600", FEDERATION_RATE_PER_SENDER: String(LIMIT) });
  c = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
  cCard = (await (await c.app.request(`${URL_OF_C}/.well-known/mcpfed`)).json()) as Card;
  const named = (name: string) => stranger({ url: `https://${name}.example.org` });
  [a, b, d, forger] = await Promise.all([named("a"), named("b"), named("d"), named("forger")]);
  // A and B are public nodes of C's directory (their node entries, as gossip brings them), D a node
  // whose card C learned from a peer; none is a peer of C.
  const entries = await Promise.all(
    [a, b].map((n) => signEntry({ origin: n.id, kind: "node", key: NODE_CARD_KEY, visibility: "public", hlc: hlcAt(Date.now()), tombstone: false, body: { card: n.card } }, n.entrySigner)),
  );
  await new EntryRepository(c.services.db).put(entries, "some-peer");
  await saveOriginCard(c.services.db, d.id, d.card, "some-peer");
});

afterAll(async () => {
  await Promise.all([c?.close(), a?.close(), b?.close(), d?.close(), forger?.close()]);
  local?.client.close();
  removeTempDirs();
});

/** A's call sealed to C, and the direct `forwarded` message carrying it, signed with `signer`'s seed in A's name. */
async function direct(signer: Stranger = a): Promise<{ inner: Sealed; post: () => Promise<Response> }> {
  const call = { type: "call", key: "edge/echo", arguments: { message: "hi" }, intent: {}, timeoutMs: 1000, progress: false, countersigned: [] };
  const inner = await envelopeAs(a, cCard, "/federation/v1/call", call);
  const outer = await envelopeAs({ seed: signer.seed, id: a.id }, cCard, FORWARDED, { type: "forwarded", envelope: toBase64url(inner.bytes), card: a.card });
  const post = async () => c.app.request(`${URL_OF_C}${FORWARDED}`, { method: "POST", headers: { "content-type": ENVELOPE_CONTENT_TYPE }, body: outer.bytes as BodyInit });
  return { inner, post };
}

describe("a stranger's direct forwarded messages and FEDERATION_RATE_PER_SENDER", () => {
  it("counts only envelopes whose signature verifies, then refuses the one past the limit before opening what it carries", async () => {
    // Forged in A's name: refused on the signature, and counted against nobody.
    for (let i = 0; i <= LIMIT; i++) {
      const res = await (await direct(forger)).post();
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "bad_signature" } });
    }
    const admitted: Sealed[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const { inner, post } = await direct();
      const res = await post();
      expect(res.status).toBe(200);
      admitted.push(inner);
    }
    const last = await direct();
    const res = await last.post();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toMatchObject({ error: { code: "rate_limited" } });
    // The admitted calls were opened at C (their ids recorded against replays); the refused one was not.
    for (const inner of admitted) expect(await c.services.replay.seen(a.id, inner.header.jti)).toBe(true);
    expect(await c.services.replay.seen(a.id, last.inner.header.jti)).toBe(false);
  });
});

/** A message to `path` in `sender`'s name, signed with `signer`'s seed, posted to C. */
async function postAs(sender: Stranger, signer: Stranger, path: string, payload: unknown): Promise<Response> {
  const sealed = await envelopeAs({ seed: signer.seed, id: sender.id }, cCard, path, payload);
  return c.app.request(`${URL_OF_C}${path}`, { method: "POST", headers: { "content-type": ENVELOPE_CONTENT_TYPE }, body: sealed.bytes as BodyInit });
}

describe.each([
  { route: "index", path: "/federation/v1/index", sender: () => b, payload: { type: "index-lookup", keys: [] } },
  { route: "clearing", path: "/federation/v1/clearing", sender: () => d, payload: { kind: "propose" } },
])("a node that is no peer, on the $route route, and FEDERATION_RATE_PER_SENDER", ({ path, sender, payload }) => {
  it("counts its envelopes once they open, whatever they say, and refuses the one past the limit", async () => {
    for (let i = 0; i <= LIMIT; i++) {
      const res = await postAs(sender(), forger, path, payload);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "bad_signature" } });
    }
    // Opened, then read by the route, which seals its answer (here its bad_request) to the sender.
    for (let i = 0; i < LIMIT; i++) expect((await postAs(sender(), sender(), path, payload)).status).toBe(200);
    const res = await postAs(sender(), sender(), path, payload);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toMatchObject({ error: { code: "rate_limited" } });
  });
});
