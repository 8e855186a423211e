// Node's outbound fetch over undici's request API (src/runtimes/node-request-fetch.ts) keeps fetch's
// contract where the node relies on it, against a real HTTP server on loopback: bodies and headers
// both ways, redirects not followed, a null body where the status has none, an abort rejecting with
// the signal's reason, a connection failure or an impossible status as fetch's TypeError, a streamed
// body still sent.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestFetch } from "../../src/runtimes/node-request-fetch.ts";
import { freePort } from "../support/processes.ts";

let server: Server;
let base: string;
const f = requestFetch(new Agent());

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.url === "/redirect") return void res.writeHead(302, { location: "/elsewhere" }).end();
      if (req.url === "/empty") return void res.writeHead(204).end();
      if (req.url === "/odd-status") return void res.writeHead(999).end("odd");
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2000);
      res.writeHead(201, {
        "content-type": "application/x-echo",
        "x-request-type": String(req.headers["content-type"]),
        "x-request-accept": String(req.headers.accept),
        "x-request-agent": String(req.headers["user-agent"]),
        "x-request-encoding": String(req.headers["accept-encoding"]),
        "set-cookie": ["a=1", "b=2"],
      });
      res.end(`${req.method} ${body.length} ${body.subarray(0, 5).toString("hex")}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("requestFetch", () => {
  it("sends a byte body with its headers and answers status, headers and body", async () => {
    const res = await f(`${base}/echo`, { method: "POST", body: Uint8Array.of(1, 2, 3, 4, 5, 6), headers: { "content-type": "application/x-onion" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-request-type")).toBe("application/x-onion");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.text()).toBe("POST 6 0102030405");
  });

  it("sends fetch's default content type, Accept and User-Agent where the caller set none", async () => {
    const res = await f(`${base}/echo`, { method: "POST", body: "hi" });
    expect(res.headers.get("x-request-type")).toBe("text/plain;charset=UTF-8");
    expect(res.headers.get("x-request-accept")).toBe("*/*");
    expect(res.headers.get("x-request-agent")).toBe("node");
    expect(res.headers.get("x-request-encoding")).toBe("identity");
    const own = await f(`${base}/echo`, { method: "POST", body: "hi", headers: { accept: "application/json", "user-agent": "mcpfed" } });
    expect(own.headers.get("x-request-accept")).toBe("application/json");
    expect(own.headers.get("x-request-agent")).toBe("mcpfed");
    expect(await res.text()).toBe("POST 2 6869");
  });

  it("fails a status no Response can hold with fetch's TypeError, not a RangeError", async () => {
    const err = await f(`${base}/odd-status`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as TypeError).cause).toBeInstanceOf(RangeError);
    // The connection was let go: the next request on the same agent is answered.
    expect((await f(`${base}/empty`, { method: "DELETE" })).status).toBe(204);
  });

  it("does not follow a redirect", async () => {
    const res = await f(`${base}/redirect`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/elsewhere");
  });

  it("answers a 204 with no body", async () => {
    const res = await f(`${base}/empty`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  it("rejects with the signal's reason when aborted", async () => {
    await expect(f(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("rejects a refused connection as fetch does: a TypeError with the cause", async () => {
    const port = await freePort();
    const err = await f(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as TypeError).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("still sends a streamed body, through fetch", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(Uint8Array.of(9, 8, 7));
        c.close();
      },
    });
    const res = await f(`${base}/echo`, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(await res.text()).toBe("POST 3 090807");
  });
});
