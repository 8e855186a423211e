// The forwarded route's two endpoints (docs/protocol.md §12), each a message from an active peer,
// opened like every other: `forward` (this node is the forwarder B: it passes the envelope inside
// on, and streams the answer back unopened) and `forwarded` (this node is the destination C: it
// opens the envelope inside as from its maker, and answers it as the call route does).
import type { Context, Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { EnvelopeError } from "../../protocol/envelope/errors.ts";
import { CHANNEL_CONTENT_TYPE } from "../../protocol/channel/frame.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import { federationPath, parseMessage } from "../../protocol/messages/federation.ts";
import { CALL_STREAM_CONTENT_TYPE, encodeFrame } from "../../protocol/messages/relay-frames.ts";
import { countersignedPush, type CallFrame, type CountersignedAck } from "../../protocol/messages/relay.ts";
import { takeCountersigned } from "../../node/relay/countersigns.ts";
import { forwardedRequest, ForwardError, forwardRequest, type ForwardedRequest } from "../../protocol/routes/forward.ts";
import type { ForwardFeeFrame } from "../../protocol/routes/forward-fee.ts";
import { log } from "../../node/logging/log.ts";
import { envelopeSender, openForwarded, strangerEnvelope, strangersRefusal } from "../../node/routes/forwarded/destination.ts";
import { indexSender } from "../../node/discovery/directory.ts";
import { forwardOnward } from "../../node/routes/forwarded/forwarder.ts";
import { serveTokenSale } from "../../node/tokens/sale.ts";
import { tokenSaleRequest, type TokenSaleReply } from "../../protocol/tokens/sale.ts";
import type { Services } from "../../node/services.ts";
import { callResponse } from "./call-stream.ts";
import { receivedEnvelope, type Received } from "./received.ts";
import { openFromKnown, type PeerMessageRoutes } from "./known-sender.ts";

/** Whether the request is an envelope from a node that is not a peer of this one: a stranger's direct `forwarded` message. */
async function fromStranger(s: Services, c: Context): Promise<boolean> {
  if (c.req.header("content-type")?.startsWith(CHANNEL_CONTENT_TYPE)) return false;
  return strangerEnvelope(s, new Uint8Array(await c.req.arrayBuffer()));
}

/** A refusal sealed to the sender: the forwarded route's codes are its own (§12.4). */
async function sealedRefusal(c: Context, opened: Pick<Received, "sealResponse">, code: string, message: string): Promise<Response> {
  const body = await opened.sealResponse(new TextEncoder().encode(JSON.stringify({ ok: false, error: { code, message } })));
  return c.body(body as Uint8Array<ArrayBuffer>, 200, { "content-type": RESPONSE_CONTENT_TYPE });
}

/** The forwarder's fee frame, sealed to the sender's `forward`, then the destination's frames as they come (§12.5). */
function withFeeFrame(stream: ReadableStream<Uint8Array>, sealed: Uint8Array): ReadableStream<Uint8Array> {
  const first = encodeFrame(sealed);
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        controller.enqueue(first);
      },
    }),
  );
}

export function forwardRoutes(app: Hono<AppEnv>, s: Services, version: string, r: PeerMessageRoutes): void {
  const forwardPath = federationPath(version, "forward");
  app.post(forwardPath, async (c) => {
    const opened = await r.openFromPeer(c, forwardPath);
    if (opened instanceof Response) return opened;
    const request = parseMessage(opened.plaintext, forwardRequest);
    if (!request) return r.malformed(c, opened, "not a forward message");
    const out = await forwardOnward(s, opened.from, request, c.req.raw.signal);
    if ("refused" in out) {
      if (out.refused.retryAfter) c.header("Retry-After", String(out.refused.retryAfter));
      return sealedRefusal(c, opened, out.refused.code, out.refused.message);
    }
    const stream = out.fee ? withFeeFrame(out.stream, await opened.sealResponse(new TextEncoder().encode(JSON.stringify({ type: "forward-fee", receipt: out.fee } satisfies ForwardFeeFrame)))) : out.stream;
    return new Response(stream, { status: 200, headers: { "content-type": CALL_STREAM_CONTENT_TYPE, "cache-control": "no-store" } });
  });

  const forwardedPath = federationPath(version, "forwarded");
  const stranger = indexSender({ ...s, directory: s.discovery.directory });
  app.post(forwardedPath, async (c) => {
    // A public node of the directory that is not a peer sends its own envelope only (§20.8).
    const direct = await fromStranger(s, c);
    // Counted against the stranger's limit as a peer's message is (one budget per id), once it opened.
    const outer = direct ? await openFromKnown(c, forwardedPath, r, stranger) : await r.openFromPeer(c, forwardedPath);
    if (outer instanceof Response) return outer;
    const request = parseMessage(outer.plaintext, forwardedRequest);
    if (!request) return direct ? sealedRefusal(c, outer, "bad_request", "not a forwarded message") : r.malformed(c, outer, "not a forwarded message");
    if (direct && envelopeSender(request, s.config.maxBodyBytes) !== outer.from) return sealedRefusal(c, outer, "forward_refused", "a node that is not a peer of this one sends its own envelope only");
    const served = await serveForwarded(s, outer.from, request, c.req.raw.signal, c.get("defer"));
    // A refusal is sealed to the forwarder, which passes the code on to the caller.
    return "refused" in served ? sealedRefusal(c, outer, served.refused.code, served.refused.message) : served.response;
  });
}

/**
 * This node as the destination C of a forwarded envelope `via` handed on, by a `forwarded`
 * message or from its mailbox (§20.6): the call stream sealed to the caller, or the refusal of
 * the envelope inside.
 */
export async function serveForwarded(s: Services, via: string, request: ForwardedRequest, signal: AbortSignal, defer: (work: Promise<unknown>) => void): Promise<ServedForwarded> {
  let inner;
  try {
    inner = await openForwarded(s, via, request);
  } catch (err) {
    if (!(err instanceof EnvelopeError) && !(err instanceof ForwardError)) throw err;
    log.info("route.forwarded_refused", { via, code: err.code });
    return { refused: { code: err.code, message: err.message } };
  }
  const received = receivedEnvelope(inner.opened);
  const { header } = inner.opened;
  if (header.path === federationPath(header.v, "countersigned")) return countersignedAnswer(s, received);
  if (header.path === federationPath(header.v, "token-sale")) return tokenSaleAnswer(s, received);
  const refusal = inner.peer ? undefined : await strangersRefusal(s, received.plaintext);
  if (refusal) {
    const frame: CallFrame = { type: "answer", seq: 0, answer: { ok: false, error: refusal, acked: [] } };
    return oneFrame(received, frame);
  }
  return { response: await callResponse(s, received, signal, defer) };
}

type ServedForwarded = { response: Response } | { refused: { code: string; message: string } };

/** The destination's whole answer as the one frame of a call stream, sealed to the caller's envelope: the forwarder passes it back unopened. */
async function oneFrame(received: Received, answer: unknown): Promise<ServedForwarded> {
  const body = encodeFrame(await received.sealResponse(new TextEncoder().encode(JSON.stringify(answer))));
  return { response: new Response(body as BodyInit, { status: 200, headers: { "content-type": CALL_STREAM_CONTENT_TYPE, "cache-control": "no-store" } }) };
}

/** A's countersignatures of this node's records, forwarded (§12.5): each goes through the ledger as from A; the answer is the ids decided on. */
async function countersignedAnswer(s: Services, received: Received): Promise<ServedForwarded> {
  const push = parseMessage(received.plaintext, countersignedPush);
  if (!push) return { refused: { code: "bad_request", message: "not a countersigned message" } };
  const ack: CountersignedAck = { acked: await takeCountersigned(s, received.from, push.records) };
  log.info("route.forwarded_countersigned", { from: received.from, records: push.records.length, acked: ack.acked.length });
  return oneFrame(received, ack);
}

/**
 * A's purchase of this node's payment tokens, forwarded (§15.3): the sale of a peer's message,
 * with A as buyer. Its refusals (`ok: false`, nothing written) are sealed to A like its tokens.
 */
async function tokenSaleAnswer(s: Services, received: Received): Promise<ServedForwarded> {
  const request = parseMessage(received.plaintext, tokenSaleRequest);
  if (!request) return { refused: { code: "bad_request", message: "not a token-sale message" } };
  const reply: TokenSaleReply = await serveTokenSale(s, received.from, request);
  log.info("route.forwarded_token_sale", { from: received.from, requests: request.requests.length, ...(reply.ok ? {} : { code: reply.error.code }) });
  return oneFrame(received, reply);
}
