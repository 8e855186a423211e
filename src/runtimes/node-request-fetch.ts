// fetch's contract over undici's request API, for the requests whose body is already in memory
// (every node-to-node message, every JSON-RPC post). undici's fetch costs about a millisecond of
// CPU more per exchange (its Request, body and stream machinery; docs/benchmarks.md, "Routes"),
// paid at every hop of a route. The answer is a web Response streaming the body as it comes; a
// streamed or form body goes to fetch itself. Redirects are not followed (the node asks for
// "manual" anyway), and no Accept-Encoding is sent, so answers come uncompressed.
import { Agent, fetch as undiciFetch, Headers as UndiciHeaders, Response as UndiciResponse, request } from "undici";

type Body = string | Uint8Array | ArrayBuffer | undefined | null;

function inMemory(body: unknown): body is Body {
  return body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** The request headers as undici's flat list, with fetch's defaults where the caller set none (servers may want an Accept and a User-Agent). */
function requestHeaders(init: RequestInit, body: Body): string[] {
  const headers = new Headers(init.headers);
  if (typeof body === "string" && !headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
  if (!headers.has("accept")) headers.set("accept", "*/*");
  if (!headers.has("user-agent")) headers.set("user-agent", "node");
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
    const headers = responseHeaders(res.headers);
    if (method === "HEAD" || NULL_BODY_STATUS.has(res.statusCode)) {
      await res.body.dump();
      return new UndiciResponse(null, { status: res.statusCode, headers }) as unknown as Response;
    }
    return new UndiciResponse(res.body, { status: res.statusCode, headers }) as unknown as Response;
  }) as typeof fetch;
}
