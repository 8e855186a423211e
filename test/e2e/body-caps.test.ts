// The request body caps of a running node: 64 KiB on the OAuth endpoints, 256 KiB on the admin
// API. A body of exactly the cap is taken and acts; one byte more is refused with the endpoint's
// own error shape and changes nothing, whether its length is declared or it arrives chunked.
// The bodies are valid JSON, padded with whitespace, so only their size can refuse them.
import { rmSync } from "node:fs";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startNode, type NodeProc } from "../support/processes.ts";

const OAUTH_CAP = 64 * 1024;
const ADMIN_CAP = 256 * 1024;

let node: NodeProc;

beforeAll(async () => {
  node = await startNode();
}, 60_000);

afterAll(async () => {
  await node?.stop();
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

/** `value` as JSON, padded with spaces to exactly `bytes` bytes. */
function padded(value: unknown, bytes: number): string {
  const text = JSON.stringify(value);
  expect(text.length).toBeLessThan(bytes);
  return text + " ".repeat(bytes - text.length);
}

/**
 * An oversized POST and the node's answer to it. A node refuses such a body without reading the
 * rest, and a peer that closes a connection with unread bytes on it resets it, which can destroy
 * the answer before the client reads it. So the test sends no more than the node reads before
 * it decides: with the length declared, the headers alone; chunked, the bytes up to one past the
 * cap, without ending the body. Either way the node must answer before the body is complete.
 */
function refusal(url: string, headers: Record<string, string>, body: string, how: "declared" | "chunked"): Promise<{ status: number; body: unknown }> {
  const bytes = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { ...headers, "content-type": "application/json", ...(how === "declared" ? { "content-length": String(bytes.length) } : {}) }, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer before the body was complete")));
    req.on("error", reject);
    if (how === "declared") req.flushHeaders();
    else req.write(bytes);
  });
}

const post = (url: string, headers: Record<string, string>, body: string) =>
  fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });

describe("the OAuth endpoints' 64 KiB cap", () => {
  const register = () => `${node.url}/oauth/register`;
  const registration = (name: string) => ({ client_name: name, redirect_uris: ["http://127.0.0.1:9/callback"] });
  const clientNames = async () => (await json<{ clients: { name: string }[] }>(await node.admin("GET", "/clients"))).clients.map((c) => c.name);

  it("registers a client whose registration is exactly 64 KiB", async () => {
    const res = await post(register(), {}, padded(registration("at the cap"), OAUTH_CAP));
    expect(res.status).toBe(201);
    expect(await clientNames()).toContain("at the cap");
  });

  it("refuses one byte more, declared or chunked, and registers nothing", async () => {
    for (const how of ["declared", "chunked"] as const) {
      const res = await refusal(register(), {}, padded(registration(`over the cap, ${how}`), OAUTH_CAP + 1), how);
      expect(res, how).toEqual({ status: 413, body: { error: "invalid_request", error_description: "body too large" } });
    }
    expect((await clientNames()).filter((n) => n.startsWith("over the cap"))).toEqual([]);
  });
});

describe("the admin API's 256 KiB cap", () => {
  const tokens = () => [`${node.url}/admin/tokens`, { authorization: `Bearer ${node.adminToken}` }] as const;
  const tokenNames = async () => (await json<{ tokens: { name: string }[] }>(await node.admin("GET", "/tokens"))).tokens.map((t) => t.name);

  it("creates a token from a request of exactly 256 KiB", async () => {
    const res = await post(...tokens(), padded({ name: "at the cap" }, ADMIN_CAP));
    expect(res.status).toBe(201);
    expect(await tokenNames()).toContain("at the cap");
  });

  it("refuses one byte more, declared or chunked, and creates nothing", async () => {
    for (const how of ["declared", "chunked"] as const) {
      const res = await refusal(...tokens(), padded({ name: `over the cap, ${how}` }, ADMIN_CAP + 1), how);
      expect(res, how).toEqual({ status: 400, body: { error: { code: "invalid_request", message: "body too large" } } });
    }
    expect((await tokenNames()).filter((n) => n.startsWith("over the cap"))).toEqual([]);
  });
});
