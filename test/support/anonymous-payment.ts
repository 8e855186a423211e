// Paying a provider's public tool with Privacy Pass tokens as any stranger could, for the token
// e2e tests and benchmarks: the anonymous-call (§13.4) sealed to the provider's card key, posted straight to its
// gateway, its answer opened; and a node's own wallet, opened with its own seed as its process does.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Card } from "../../src/protocol/card/schema.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { parseSeed } from "../../src/protocol/identity/seed.ts";
import { anonymousCallRequest, readAnonymousAnswer } from "../../src/protocol/routes/ohttp/anonymous-call.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/routes/ohttp/binary-http.ts";
import { encapsulateRequest } from "../../src/protocol/routes/ohttp/encapsulation.ts";
import { keyConfigOf } from "../../src/protocol/routes/ohttp/key-config.ts";
import { SecretBox } from "../../src/secrets/sealed-box.ts";
import type { Database } from "../../src/store/database.ts";
import type { NodeProc } from "./processes.ts";

/** `key` called at `provider`'s gateway with `tokens` (a fresh encapsulation each time). */
export async function callAnonymously(provider: NodeProc, o: { key: string; fingerprint: string; tokens: string[]; arguments: Record<string, unknown> }) {
  const card = (await (await fetch(`${provider.url}/.well-known/mcpfed`)).json()) as Card;
  const call = { type: "anonymous-call" as const, key: o.key, fingerprint: o.fingerprint, arguments: o.arguments, tokens: o.tokens, iat: Math.floor(Date.now() / 1000) };
  const sealed = await encapsulateRequest(await primitives(), keyConfigOf(card.keys.kem[0]!), encodeRequest(anonymousCallRequest(card.id, call)));
  const res = await fetch(`${provider.url}/federation/v1/gateway`, { method: "POST", headers: { "content-type": "message/ohttp-req" }, body: sealed.bytes as BodyInit });
  if (res.status !== 200) throw new Error(`the gateway answered HTTP ${res.status}`);
  return readAnonymousAnswer(decodeResponse(await sealed.openResponse(new Uint8Array(await res.arrayBuffer())), 1 << 20));
}

/** The node's wallet port: its database (opened by the caller) and its secrets, from its seed file. */
export function walletOf(node: NodeProc, db: Database) {
  return { db, secrets: new SecretBox(parseSeed(readFileSync(join(node.dataDir, "node-seed"), "utf8").trim())) };
}
