// A federation request sealed by the test in a node's name, from that node's seed: what a peer
// (or an attacker who recorded its traffic) could send. The answer opens with the same request.
import type { Card } from "../../src/protocol/card/schema.ts";
import { seal, type Sealed } from "../../src/protocol/envelope/seal.ts";
import { ENVELOPE_CONTENT_TYPE } from "../../src/protocol/envelope/wire.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { parseSeed } from "../../src/protocol/identity/seed.ts";

export interface SealedRequest {
  sealed: Sealed;
  /** POSTs the same bytes, as often as called. */
  post: () => Promise<Response>;
}

/** An envelope in `from`'s name to the holder of `to` (a card), bound to `path`: what a peer seals. */
export async function envelopeAs(from: { seed: string; id: string }, to: Card, path: string, payload: unknown): Promise<Sealed> {
  const p = await primitives();
  const signing = await signingKeyFromSeed(p, parseSeed(from.seed));
  return seal({
    primitives: p,
    signer: signing.signer,
    from: from.id,
    to: to.id,
    recipientKey: to.keys.kem[0]!,
    version: "mcpfed/1",
    method: "POST",
    path,
    plaintext: new TextEncoder().encode(JSON.stringify(payload)),
    now: Math.floor(Date.now() / 1000),
  });
}

export async function sealAs(from: { seed: string; id: string }, to: { url: string; nodeId: string }, name: string, payload: unknown): Promise<SealedRequest> {
  const card = (await (await fetch(`${to.url}/.well-known/mcpfed`)).json()) as Card;
  const path = `/federation/v1/${name}`;
  const sealed = await envelopeAs(from, { ...card, id: to.nodeId }, path, payload);
  const post = () => fetch(`${to.url}${path}`, { method: "POST", headers: { "content-type": ENVELOPE_CONTENT_TYPE }, body: sealed.bytes as BodyInit });
  return { sealed, post };
}

/** The sealed answer of a single-answer message, opened. */
export async function openedAnswer(request: SealedRequest, res: Response): Promise<{ ok: boolean; result?: unknown; error?: { code: string } }> {
  return JSON.parse(new TextDecoder().decode(await request.sealed.openResponse(new Uint8Array(await res.arrayBuffer()))));
}
