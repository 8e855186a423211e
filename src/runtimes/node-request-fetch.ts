// fetch's contract over undici's request API, for the requests whose body is already in memory
// (every node-to-node message, every JSON-RPC post). undici's fetch costs about a millisecond of
// CPU more per exchange (its Request, body and stream machinery; docs/benchmarks.md, "Routes"),
// paid at every hop of a route. The answer is a web Response streaming the body as it comes; a
// streamed or form body goes to fetch itself. Redirects are not followed (the node asks for
// "manual" anyway), and answers are asked for uncompressed (Accept-Encoding: identity), since
// nothing here decodes them.
import { Agent, fetch as undiciFetch, Headers as UndiciHeaders, Response as UndiciResponse, request } from "undici";

type Body = string | Uint8Array | ArrayBuffer | undefined | null;

function inMemory(body: unknown): body is Body {
  return body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer;
}

const NULL_BODY_STATUS = new Set([204, 205, 304]);

/** The request headers as undici's flat list, with fetch's defaults where the caller set none (servers may want an Accept and a User-Agent). */
function requestHeaders(init: RequestInit, body: Body): string[] {
  const headers = new Headers(init.headers);
  if (typeof body === "string" && !headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
  if (!headers.has("accept")) headers.set("accept", "*/*");
  if (!headers.has("user-agent")) headers.set("user-agent", "node");
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  return [...headers].flat();
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): UndiciHeaders {
  const headers = new UndiciHeaders();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/** fetch through `dispatcher`: undici's request API when the body is in memory, else its fetch. */
export function requestFetch(dispatcher: Agent): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    // undici's fetch knows its own Request class only; the node's callers pass URLs.
    if (input instanceof Request) throw new TypeError("pass a URL, not a Request");
    const body = init.body;
    if (!inMemory(body)) return undiciFetch(input, { ...(init as object), dispatcher });
    const method = (init.method ?? "GET").toUpperCase();
    const signal = init.signal ?? undefined;
    let res;
    try {
      res = await request(input, {
        dispatcher,
        method: method as "GET",
        headers: requestHeaders(init, body),
        body: body instanceof ArrayBuffer ? new Uint8Array(body) : (body ?? null),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      // As fetch does: an abort rejects with the signal's reason, anything else is a TypeError.
      if (signal?.aborted) throw signal.reason;
      throw new TypeError("fetch failed", { cause: err });
    }
    const answer = { status: res.statusCode, statusText: res.statusText, headers: responseHeaders(res.headers) };
    const empty = method === "HEAD" || NULL_BODY_STATUS.has(res.statusCode);
    try {
      if (empty) await res.body.dump();
      return new UndiciResponse(empty ? null : res.body, answer) as unknown as Response;
    } catch (err) {
      // A status a Response cannot hold (HTTP/1.1 allows any three digits): a clear failure, the socket let go.
      res.body.on("error", () => {}).destroy(); // undici reports its own destroy as an abort
      throw new TypeError("fetch failed", { cause: err });
    }
  }) as typeof fetch;
}
