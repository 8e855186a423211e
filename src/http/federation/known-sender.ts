// How the federation routes open what they are sent (built in routes.ts): from active peers, and
// messages that nodes send without being each other's peers (clearing rounds, the index, a
// stranger's direct `forwarded`): a frame on the channel of an active peer, or an envelope from
// any node the route's own sender lookup knows. Every opened message counts against its sender's
// limit before the route reads it. Answers are sealed to the sender.
import type { Context } from "hono";
import { CHANNEL_CONTENT_TYPE } from "../../protocol/channel/frame.ts";
import type { Opened, Sender } from "../../protocol/envelope/open.ts";
import type { Header } from "../../protocol/envelope/wire.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import { receivedEnvelope, type Received } from "./received.ts";

export interface PeerMessageRoutes {
  /** Opens an envelope or channel frame from an active peer, or answers its refusal. */
  openFromPeer(c: Context, path: string): Promise<Received | Response>;
  /** Opens an envelope from a sender `sender` resolves (active peers by default), or answers its refusal. */
  openEnvelopeFrom(c: Context, path: string, sender?: (header: Header) => Promise<Sender>): Promise<Opened | Response>;
  /** The `bad_request` answer to a message from an active peer (`openFromPeer`) that is none of the route's, counted against it. */
  malformed(c: Context, opened: Received, message: string): Promise<Response>;
}

export async function sealedAnswer(c: Context, opened: Pick<Received, "sealResponse">, answer: unknown): Promise<Response> {
  const body = await opened.sealResponse(new TextEncoder().encode(JSON.stringify(answer)));
  return c.body(body as Uint8Array<ArrayBuffer>, 200, { "content-type": RESPONSE_CONTENT_TYPE });
}

/** The opened request, or the refusal to answer with. */
export async function openFromKnown(c: Context, path: string, r: PeerMessageRoutes, sender: (header: Header) => Promise<Sender>): Promise<Received | Response> {
  if (c.req.header("content-type")?.startsWith(CHANNEL_CONTENT_TYPE)) return r.openFromPeer(c, path);
  const opened = await r.openEnvelopeFrom(c, path, sender);
  return opened instanceof Response ? opened : receivedEnvelope(opened);
}
