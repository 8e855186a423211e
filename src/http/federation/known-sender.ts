// Messages that nodes send without being each other's peers (clearing rounds, the index): a frame
// on the channel of an active peer, or an envelope from any node the route's own sender lookup
// knows. Answers are sealed to the sender.
import type { Context } from "hono";
import { CHANNEL_CONTENT_TYPE } from "../../protocol/channel/frame.ts";
import type { Sender } from "../../protocol/envelope/open.ts";
import type { Header } from "../../protocol/envelope/wire.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import type { PeerMessageRoutes } from "./forward-route.ts";
import { receivedEnvelope, type Received } from "./received.ts";

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
