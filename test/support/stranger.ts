// A node nobody knows, made up by the test as an attacker would: a fresh seed, a card it signs
// for whatever URL it likes, and hellos sealed with its own keys. `serve` answers its card at
// that URL (a small HTTP server on loopback) and counts who fetched it.
import { createServer, type Server } from "node:http";
import type { Card } from "../../src/protocol/card/schema.ts";
import { OwnCard } from "../../src/node/card/own.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import { seal, type Sealed } from "../../src/protocol/envelope/seal.ts";
import { loadIdentity, type LocalIdentity } from "../../src/node/identity/local.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { identitySigner } from "../../src/node/registry/node-keys.ts";
import type { EntrySigner } from "../../src/protocol/registry/signing.ts";
import { encodeHello, HELLO_CONTENT_TYPE } from "../../src/protocol/messages/hello.ts";
import { openTestDatabase } from "./libsql.ts";
import { freePort } from "./processes.ts";

export interface Stranger {
  id: string;
  /** Its NODE_SEED, for sealAs (test/support/seal-as.ts). */
  seed: string;
  /** Signs registry entries as this node. */
  entrySigner: EntrySigner;
  url: string;
  card: Card;
  /** Requests its card server answered (0 when it does not serve, or nobody asked). */
  fetches: () => number;
  /** A hello to the node at `to`, as bytes that can be posted as often as wanted. */
  hello: (to: { url: string }) => Promise<SealedHello>;
  close: () => Promise<void>;
}

export interface SealedHello {
  sealed: Sealed;
  body: Uint8Array;
  post: (body?: Uint8Array) => Promise<Response>;
  /** The sealed answer, opened. */
  answer: (res: Response) => Promise<{ ok: boolean; result?: { state: string }; error?: { code: string; message: string } }>;
}

export async function stranger(o: { name?: string; url?: string; serve?: boolean } = {}): Promise<Stranger> {
  const port = await freePort();
  const url = o.url ?? `http://127.0.0.1:${port}`;
  const seed = newSeed();
  const config = loadConfig({ ADMIN_TOKEN: "x".repeat(16), NODE_SEED: seed, NODE_NAME: o.name ?? "stranger", PUBLIC_URL: url });
  const store = await openTestDatabase();
  const identity: LocalIdentity = await loadIdentity(config, store.db);
  const now = () => Math.floor(Date.now() / 1000);
  const card = await new OwnCard(identity, config).get(url, now());
  let fetches = 0;
  let server: Server | undefined;
  if (o.serve) {
    server = createServer((req, res) => {
      fetches++;
      if (req.url !== "/.well-known/mcpfed") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(card));
    });
    await new Promise<void>((r) => server!.listen(port, "127.0.0.1", r));
  }
  return {
    id: identity.nodeId,
    seed,
    entrySigner: identitySigner(identity),
    url,
    card,
    fetches: () => fetches,
    async hello(to) {
      const theirs = (await (await fetch(`${to.url}/.well-known/mcpfed`)).json()) as Card;
      const sealed = await seal({
        primitives: identity.primitives,
        signer: identity.signing.signer,
        from: identity.nodeId,
        to: theirs.id,
        recipientKey: theirs.keys.kem[0]!,
        version: "mcpfed/1",
        method: "POST",
        path: "/federation/v1/hello",
        plaintext: new TextEncoder().encode('{"type":"hello"}'),
        now: now(),
      });
      const body = encodeHello(card, sealed.bytes);
      return {
        sealed,
        body,
        post: (b = body) => fetch(`${to.url}/federation/v1/hello`, { method: "POST", headers: { "content-type": HELLO_CONTENT_TYPE }, body: b as BodyInit }),
        answer: async (res) => JSON.parse(new TextDecoder().decode(await sealed.openResponse(new Uint8Array(await res.arrayBuffer())))),
      };
    },
    async close() {
      store.close();
      if (server) await new Promise((r) => server!.close(r));
    },
  };
}
