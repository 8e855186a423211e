// The call route's answer: a stream of sealed frames (frames.ts). Progress goes out as the
// upstream reports it; the last frame is the answer. The request's signal ends with the consumer's
// connection, so a consumer that cancels or dies cancels the upstream call too. A call that asked
// for no progress and no log messages can only be answered by its answer frame: it goes as one
// body once the answer is ready, with no stream to keep open and feed, and as the plain sealed
// answer of §5.5 when the consumer accepts that (docs/protocol.md §6.6), else as that one frame.
import type { z } from "zod";
import { parseMessage } from "../../protocol/messages/federation.ts";
import { log } from "../../node/logging/log.ts";
import type { Caller } from "../../node/access/principals/caller.ts";
import type { Services } from "../../node/services.ts";
import { CALL_STREAM_CONTENT_TYPE, encodeFrame } from "../../protocol/messages/relay-frames.ts";
import type { Answer } from "../../protocol/messages/federation.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import type { AnswerFrame, CallFrame } from "../../protocol/messages/relay.ts";
import { relayRequest } from "../../protocol/messages/relay-items.ts";
import { serveCall } from "../../node/relay/provider.ts";
import { serveItem } from "../../node/relay/item-provider.ts";
import type { Received } from "./received.ts";

const HEADERS = { "content-type": CALL_STREAM_CONTENT_TYPE, "cache-control": "no-store" };

/** `plain`: the consumer accepts a sealed answer (§5.5) in place of a call stream that could only hold the answer. */
export async function callResponse(s: Services, opened: Received, signal: AbortSignal, defer: Caller["defer"], plain = false): Promise<Response> {
  const request = parseMessage(opened.plaintext, relayRequest);
  if (request?.type === "call" && !request.progress && request.logLevel === undefined) {
    const answer = await served(opened.from, serveCall(s, opened.from, request, { signal, defer, onprogress: () => {} }));
    if (plain) {
      const sealed = await opened.sealResponse(new TextEncoder().encode(JSON.stringify({ ok: true, result: answer } satisfies Answer<AnswerFrame["answer"]>)));
      return new Response(sealed as BodyInit, { status: 200, headers: { "content-type": RESPONSE_CONTENT_TYPE, "cache-control": "no-store" } });
    }
    const frame: CallFrame = { type: "answer", seq: 0, answer };
    return new Response(encodeFrame(await opened.sealResponse(new TextEncoder().encode(JSON.stringify(frame)))) as BodyInit, { status: 200, headers: HEADERS });
  }
  return streamed(s, opened, request, signal, defer);
}

/** The answer of a call, or the refusal of one that failed to be served. */
function served(from: string, serving: Promise<AnswerFrame["answer"]>): Promise<AnswerFrame["answer"]> {
  return serving.catch((err: unknown): AnswerFrame["answer"] => {
    log.error("relay.serve_failed", { peer: from, error: String(err) });
    return { ok: false, error: { code: "internal", message: "the provider failed to serve the call" }, acked: [] };
  });
}

function streamed(s: Services, opened: Received, request: z.infer<typeof relayRequest> | undefined, signal: AbortSignal, defer: Caller["defer"]): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let seq = 0;
  // Frames are sealed and written in order, each after the one before.
  let chain: Promise<void> = Promise.resolve();
  type Unnumbered = { [K in CallFrame["type"]]: Omit<Extract<CallFrame, { type: K }>, "seq"> }[CallFrame["type"]];
  const send = (frame: Unnumbered) => {
    const full = { ...frame, seq: seq++ } as CallFrame;
    chain = chain.then(async () => writer.write(encodeFrame(await opened.sealResponse(new TextEncoder().encode(JSON.stringify(full))))));
    return chain;
  };
  const from = opened.from;

  const work = (async () => {
    let answer: AnswerFrame["answer"];
    if (!request) {
      answer = { ok: false, error: { code: "bad_request", message: "not a valid call" }, acked: [] };
    } else {
      const serving =
        request.type !== "call"
          ? serveItem(s, from, request, { signal, defer })
          : serveCall(s, from, request, {
              signal,
              defer,
              onprogress: (p) =>
                void send({ type: "progress", progress: p.progress, ...(p.total === undefined ? {} : { total: p.total }), ...(p.message === undefined ? {} : { message: p.message }) }).catch(() => {}),
              onlog: (entry) => void send({ type: "log", ...entry }).catch(() => {}),
            });
      answer = await served(from, serving);
    }
    await send({ type: "answer", answer });
    await writer.close();
  })().catch(async (err: unknown) => {
    // The consumer went away: the record, if any, is stored already and waits for its countersignature.
    log.info("relay.answer_undelivered", { peer: from, error: String(err) });
    await writer.abort(err).catch(() => {});
  });
  defer(work);
  return new Response(readable, { status: 200, headers: HEADERS });
}
