// Sending one call to one provider: the request sealed to its card, the answer read frame by
// frame as it streams. Whether a failure happened before the provider could have run the call
// decides whether another provider may be tried, so every failure says which it was.
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { ENVELOPE_ERRORS } from "../../protocol/envelope/errors.ts";
import { seal, type Sealed } from "../../protocol/envelope/seal.ts";
import { ENVELOPE_CONTENT_TYPE } from "../../protocol/envelope/wire.ts";
import { federationPath } from "../../protocol/messages/federation.ts";
import { readLimited } from "../outbound/limited-body.ts";
import { unsafeUrlReason } from "../outbound/ssrf.ts";
import { EARLY_SECONDS, freshCard } from "./calls.ts";
import type { Peer } from "../../store/peers.ts";
import type { Services } from "../services.ts";
import { CALL_STREAM_CONTENT_TYPE, readFrames } from "../../protocol/messages/relay-frames.ts";
import { callFrame, type AnswerFrame, type CallRequest } from "../../protocol/messages/relay.ts";

export type RelayFailure =
  /** Not delivered: the provider cannot have run the call. */
  | "unreachable"
  | "refused"
  /** Delivered, then the answer broke off: the provider may have run the call. */
  | "lost"
  | "bad_answer"
  | "timeout"
  | "cancelled";

export class RelayError extends Error {
  override name = "RelayError";
  constructor(
    readonly failure: RelayFailure,
    message: string,
    /** The envelope refusal's code, for "refused". */
    readonly code?: string,
  ) {
    super(message);
  }

  /** Whether the provider may have run the call. */
  get delivered(): boolean {
    return this.failure !== "unreachable" && this.failure !== "refused";
  }
}

export interface SendOptions {
  signal: AbortSignal;
  /** Without progress for this long, the call times out; progress restarts the clock. */
  timeoutMs: number;
  onprogress?: ((p: Progress) => void) | undefined;
}

const MAX_REFUSAL_BYTES = 64 * 1024;

export async function sendCall(s: Services, peer: Peer, request: CallRequest, o: SendOptions): Promise<AnswerFrame["answer"]> {
  let card = peer.card.exp - EARLY_SECONDS <= s.now() ? await freshCard(s, peer) : peer.card;
  try {
    return await sendOnce(s, peer, card, request, o);
  } catch (err) {
    // The provider rotated its encryption key: fetch its card once and send again, still undelivered.
    if (!(err instanceof RelayError) || err.code !== "unknown_key") throw err;
    card = await freshCard(s, peer);
    return sendOnce(s, peer, card, request, o);
  }
}

async function sendOnce(s: Services, peer: Peer, card: Peer["card"], request: CallRequest, o: SendOptions): Promise<AnswerFrame["answer"]> {
  const identity = await s.identity();
  const path = federationPath(peer.version, "call");
  const url = new URL(path, card.url).href;
  const unsafe = unsafeUrlReason(url, s.config.allowPrivateUrls);
  if (unsafe) throw new RelayError("unreachable", `${url}: ${unsafe}`);
  const sealed: Sealed = await seal({
    primitives: identity.primitives,
    signer: identity.signing.signer,
    from: identity.nodeId,
    to: card.id,
    recipientKey: card.keys.kem[0]!,
    version: peer.version,
    method: "POST",
    path,
    plaintext: new TextEncoder().encode(JSON.stringify(request)),
    now: s.now(),
  });

  const timer = new AbortController();
  const started = performance.now();
  let idle: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(idle);
    // Progress restarts the clock, up to ten times the timeout in all, as for a local call.
    const left = Math.min(o.timeoutMs, o.timeoutMs * 10 - (performance.now() - started));
    idle = setTimeout(() => timer.abort(new Error("timeout")), Math.max(0, left));
  };
  arm();
  const signal = AbortSignal.any([o.signal, timer.signal]);
  const failure = (delivered: boolean, err: unknown): RelayError => {
    if (o.signal.aborted) return new RelayError("cancelled", "the call was cancelled");
    if (timer.signal.aborted) return new RelayError("timeout", `no answer within ${o.timeoutMs} ms`);
    const reason = err instanceof Error ? err.message : String(err);
    return delivered ? new RelayError("lost", `the answer broke off: ${reason}`) : new RelayError("unreachable", `cannot reach ${url}: ${reason}`);
  };

  try {
    let res: Response;
    try {
      res = await s.outbound.fetch(url, {
        method: "POST",
        headers: { "content-type": ENVELOPE_CONTENT_TYPE, accept: CALL_STREAM_CONTENT_TYPE },
        body: sealed.bytes as BodyInit,
        signal,
      });
    } catch (err) {
      // The request may have reached the provider before the connection failed; only a refused
      // connection proves it did not, and fetch does not say which. A timeout or cancel here is
      // treated as delivered, so a call that may have run is never run twice.
      throw failure(signal.aborted, err);
    }
    if (!res.headers.get("content-type")?.startsWith(CALL_STREAM_CONTENT_TYPE) || !res.body) throw await refusal(url, res);

    let seq = 0;
    try {
      for await (const frame of readFrames(res.body)) {
        const parsed = callFrame.safeParse(JSON.parse(new TextDecoder().decode(await sealed.openResponse(frame))));
        if (!parsed.success) throw new RelayError("bad_answer", `${url}: unexpected frame: ${parsed.error.issues[0]?.message}`);
        const f = parsed.data;
        if (f.seq !== seq++) throw new RelayError("bad_answer", `${url}: frame ${f.seq} arrived where ${seq - 1} was due`);
        if (f.type === "answer") return f.answer;
        arm();
        o.onprogress?.({ progress: f.progress, ...(f.total === undefined ? {} : { total: f.total }), ...(f.message === undefined ? {} : { message: f.message }) });
      }
    } catch (err) {
      if (err instanceof RelayError) throw err;
      throw failure(true, err);
    }
    throw failure(true, new Error("the stream ended without an answer"));
  } finally {
    clearTimeout(idle);
  }
}

/** An envelope refusal (plain JSON with its code), or anything else the peer said. */
async function refusal(url: string, res: Response): Promise<RelayError> {
  const bytes = await readLimited(res, MAX_REFUSAL_BYTES);
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array())) as { error?: { code?: string; message?: string } };
    const code = body.error?.code;
    if (code && code in ENVELOPE_ERRORS) return new RelayError("refused", `${body.error?.message ?? code} (${code})`, code);
  } catch {
    // not JSON
  }
  return new RelayError("refused", `${url} answered HTTP ${res.status} without a call stream`);
}
