// Sending one sealed request to a peer and opening its sealed answer. A refusal comes back as a
// PeerRequestError carrying the peer's code, so callers can react (a stale key: fetch the card).
import type { z } from "zod";
import type { Card } from "../../protocol/card/schema.ts";
import { ENVELOPE_ERRORS } from "../../protocol/envelope/errors.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import { seal } from "../../protocol/envelope/seal.ts";
import { ENVELOPE_CONTENT_TYPE } from "../../protocol/envelope/wire.ts";
import { readLimited } from "../outbound/limited-body.ts";
import { unsafeUrlReason } from "../outbound/ssrf.ts";
import type { Services } from "../services.ts";
import { answerSchema } from "../../protocol/messages/federation.ts";

const TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 1024 * 1024;

export class PeerRequestError extends Error {
  override name = "PeerRequestError";
  constructor(
    /** The peer's refusal code, or "unreachable" / "bad_answer" when it gave none. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PeerRequest<T extends z.ZodType> {
  card: Card;
  version: string;
  path: string;
  payload: unknown;
  result: T;
  /** Wraps the envelope into the request body (a hello puts the sender's card first). */
  body?: (envelope: Uint8Array) => Uint8Array;
  contentType?: string;
}

export async function requestPeer<T extends z.ZodType>(s: Services, r: PeerRequest<T>): Promise<z.infer<T>> {
  const identity = await s.identity();
  const url = new URL(r.path, r.card.url).href;
  const unsafe = unsafeUrlReason(url, s.config.allowPrivateUrls);
  if (unsafe) throw new PeerRequestError("unreachable", `${url}: ${unsafe}`);
  const sealed = await seal({
    primitives: identity.primitives,
    signer: identity.signing.signer,
    from: identity.nodeId,
    to: r.card.id,
    recipientKey: r.card.keys.kem[0]!,
    version: r.version,
    method: "POST",
    path: r.path,
    plaintext: new TextEncoder().encode(JSON.stringify(r.payload)),
    now: s.now(),
  });
  let res: Response;
  try {
    res = await s.outbound.request(
      url,
      {
        method: "POST",
        headers: { "content-type": r.contentType ?? ENVELOPE_CONTENT_TYPE, accept: RESPONSE_CONTENT_TYPE },
        body: (r.body ? r.body(sealed.bytes) : sealed.bytes) as BodyInit,
      },
      TIMEOUT_MS,
    );
  } catch (err) {
    throw new PeerRequestError("unreachable", `cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readLimited(res, MAX_ANSWER_BYTES);
  } catch (err) {
    throw new PeerRequestError("unreachable", `${url}: the answer broke off: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!bytes) throw new PeerRequestError("bad_answer", `${url}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
  if (!res.headers.get("content-type")?.startsWith(RESPONSE_CONTENT_TYPE)) throw refusal(url, res.status, bytes);

  let answer: unknown;
  try {
    answer = JSON.parse(new TextDecoder().decode(await sealed.openResponse(bytes)));
  } catch (err) {
    throw new PeerRequestError("bad_answer", `${url}: the sealed answer does not open: ${err instanceof Error ? err.message : String(err)}`);
  }
  const frame = answerSchema.safeParse(answer);
  if (!frame.success) throw new PeerRequestError("bad_answer", `${url}: unexpected answer: ${frame.error.issues[0]?.message}`);
  if (!frame.data.ok) throw new PeerRequestError(frame.data.error.code, frame.data.error.message);
  const result = r.result.safeParse(frame.data.result);
  if (!result.success) throw new PeerRequestError("bad_answer", `${url}: unexpected result: ${result.error.issues[0]?.message}`);
  return result.data;
}

/** A plain JSON refusal (the envelope did not open), or anything else a peer might say. */
function refusal(url: string, status: number, bytes: Uint8Array): PeerRequestError {
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes)) as { error?: { code?: string; message?: string } };
    const code = body.error?.code;
    if (code && code in ENVELOPE_ERRORS) return new PeerRequestError(code, `${url}: ${body.error?.message ?? code}`);
  } catch {
    // not JSON
  }
  return new PeerRequestError("bad_answer", `${url} answered HTTP ${status} without a sealed answer`);
}
