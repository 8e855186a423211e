// The federation routes' body limit on Node's own HTTP server: a declared length over the limit is
// refused before any byte of the body is read, a streamed (chunked) body is counted as it arrives,
// and a body within the limit reaches the handler whole, read straight from the socket.
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredBodyLimit } from "../../src/http/request/declared-body-limit.ts";

const LIMIT = 1000;

function post(url: string, chunks: string[], headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe("declaredBodyLimit on @hono/node-server", () => {
  let server: ServerType;
  let url: string;
  let handled = 0;

  beforeAll(async () => {
    const app = new Hono();
    app.use("*", declaredBodyLimit({ maxSize: LIMIT, onError: (c) => c.json({ error: "too_large" }, 413) }));
    app.post("/echo", async (c) => {
      handled++;
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      return c.text(`${bytes.length}:${new TextDecoder().decode(bytes)}`);
    });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("passes a body with its length declared within the limit, byte for byte", async () => {
    const body = "é".repeat(LIMIT / 2);
    const res = await post(url, [body], { "content-length": String(Buffer.byteLength(body)) });
    expect(res).toEqual({ status: 200, body: `${LIMIT}:${body}` });
  });

  it("refuses a declared length over the limit without calling the handler", async () => {
    const before = handled;
    const body = "x".repeat(LIMIT + 1);
    const res = await post(url, [body], { "content-length": String(body.length) });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: "too_large" });
    expect(handled).toBe(before);
  });

  it("counts a chunked body as it streams: within passes, over is refused", async () => {
    const within = await post(url, ["a".repeat(600), "b".repeat(400)], { "transfer-encoding": "chunked" });
    expect(within).toEqual({ status: 200, body: `${LIMIT}:${"a".repeat(600)}${"b".repeat(400)}` });
    const before = handled;
    const over = await post(url, ["a".repeat(600), "b".repeat(401)], { "transfer-encoding": "chunked" });
    expect(over.status).toBe(413);
    expect(handled).toBe(before);
  });

  it("refuses a declared length that is not plain digits instead of trusting its leading digits", async () => {
    // In process: Node's own parser refuses such a header before an app could see it.
    const app = new Hono();
    app.use("*", declaredBodyLimit({ maxSize: LIMIT, onError: (c) => c.json({ error: "too_large" }, 413) }));
    app.post("/echo", async (c) => c.text(String((await c.req.arrayBuffer()).byteLength)));
    for (const declared of ["5abc", "+5", "5.0"]) {
      const res = await app.request("/echo", { method: "POST", body: "x".repeat(LIMIT + 1), headers: { "content-length": declared } });
      expect(res.status, declared).toBe(413);
    }
  });
});
