// A call whose sealed trace context is malformed (docs/protocol.md §5.7): the envelope opens, the
// call parses without it, and the provider's span starts a trace of its own. A valid one parents
// the span. Real sealing and opening, keys from the envelope vector; the spans go to a sink here.
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { openEnvelope } from "../../src/protocol/envelope/open.ts";
import { seal } from "../../src/protocol/envelope/seal.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { parseMessage } from "../../src/protocol/messages/federation.ts";
import { relayRequest } from "../../src/protocol/messages/relay-items.ts";
import { parseTraceparent } from "../../src/protocol/tracing/trace-context.ts";
import { Tracer, type FinishedSpan } from "../../src/node/tracing/tracer.ts";
import { vector } from "../protocol/paths.ts";

const v = vector<{ senderSeed: string; recipientSeed: string; recipientKemSeed: string; recipientKemKey: { kid: string; pub: string }; now: number }>("envelope.json");
const p = await primitives();
const b = fromBase64url;
const [alice, bob] = await Promise.all([v.senderSeed, v.recipientSeed].map((s) => signingKeyFromSeed(p, b(s))));
const kem = await xWing(p).fromSeed(b(v.recipientKemSeed));
const verifier = await compositeVerifier(p, alice!.signer.publicKey);
const PATH = "/federation/v1/call";
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const call = { type: "call", key: "archive/search", arguments: { q: "x" }, intent: {}, timeoutMs: 30_000, progress: false, countersigned: [] };

/** Seals `payload` from alice to bob, opens it as bob's call route does, and serves it into a span. */
async function served(payload: unknown) {
  const sealed = await seal({
    primitives: p,
    signer: alice!.signer,
    from: alice!.nodeId,
    to: bob!.nodeId,
    recipientKey: { kid: v.recipientKemKey.kid, pub: toBase64url(kem.publicKey) },
    version: "mcpfed/1",
    method: "POST",
    path: PATH,
    plaintext: new TextEncoder().encode(JSON.stringify(payload)),
    now: v.now,
  });
  const opened = await openEnvelope(sealed.bytes, {
    self: { nodeId: bob!.nodeId, keys: { find: async (kid) => (kid === v.recipientKemKey.kid ? { epoch: 0, keyId: kid, ...kem } : undefined) }, primitives: p },
    sender: async () => ({ verifier, version: "mcpfed/1" }),
    replay: { seen: async () => false, record: async () => true },
    now: v.now,
    skew: 60,
    method: "POST",
    path: PATH,
    maxBytes: 1 << 20,
  });
  const request = parseMessage(opened.plaintext, relayRequest);
  const ended: FinishedSpan[] = [];
  const tracer = new Tracer({ add: (s) => ended.push(s), flush: async () => {}, afterRequest: async () => {} });
  tracer.start("relay.serve", "server", parseTraceparent(request?.type === "call" ? request.traceparent : undefined)).end("ok");
  return { request, span: ended[0]! };
}

describe("trace context in an opened call", () => {
  it("parents the provider's span when valid", async () => {
    const { request, span } = await served({ ...call, traceparent: `00-${TRACE}-00f067aa0ba902b7-01` });
    expect(request).toMatchObject({ type: "call", traceparent: `00-${TRACE}-00f067aa0ba902b7-01` });
    expect(span).toMatchObject({ traceId: TRACE, parentSpanId: "00f067aa0ba902b7" });
  });

  it.each([
    ["three parts", `00-${TRACE}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`],
    ["a number", 7],
    ["upper case", `00-${TRACE.toUpperCase()}-00F067AA0BA902B7-01`],
  ])("ignores %s: the call parses without it and a new trace starts", async (_name, traceparent) => {
    const { request, span } = await served({ ...call, traceparent });
    expect(request).toMatchObject({ type: "call", key: "archive/search" });
    expect(request && "traceparent" in request ? request.traceparent : undefined).toBeUndefined();
    expect(span.parentSpanId).toBeUndefined();
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.traceId).not.toBe(TRACE);
  });

  it("drops an unsampled parent's spans but keeps its trace for the next hop", () => {
    const ended: FinishedSpan[] = [];
    const tracer = new Tracer({ add: (s) => ended.push(s), flush: async () => {}, afterRequest: async () => {} });
    const span = tracer.start("relay.serve", "server", parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-00`));
    expect(span.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));
    span.end("ok");
    expect(ended).toEqual([]);
  });
});
