// Requests from another loopback address (127.0.0.2, 127.0.0.3, ...), so that a node sees
// several sources for its per-source limits. Loopback only; redirects are never followed.
import { request } from "node:http";

export type Fetch = (url: string | URL, init?: { method?: string; headers?: Record<string, string>; body?: string | URLSearchParams; redirect?: "manual" }) => Promise<Response>;

export function fetchFrom(localAddress: string): Fetch {
  if (!/^127\.\d+\.\d+\.\d+$/.test(localAddress)) throw new Error(`not a loopback address: ${localAddress}`);
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const body = init.body === undefined ? undefined : String(init.body);
      const req = request(url, { method: init.method ?? "GET", headers: init.headers, localAddress }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
          const status = res.statusCode ?? 0;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      req.on("error", reject);
      req.end(body);
    });
}
