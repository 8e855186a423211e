// POST /federation/v1/index (docs/protocol.md §20.2): index records published to a responsible
// node, and lookups. An envelope from an active peer, a channel frame from one, or an envelope
// from a public node of the directory (the index is between nodes that never met); the body is
// one message of the zod union, answered sealed to the sender.
import type { Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { indexRequest } from "../../protocol/discovery/messages.ts";
import { federationPath, parseMessage } from "../../protocol/messages/federation.ts";
import { indexSender } from "../../node/discovery/directory.ts";
import type { Services } from "../../node/services.ts";
import type { PeerMessageRoutes } from "./known-sender.ts";
import { openFromKnown, sealedAnswer } from "./known-sender.ts";

export function indexRoute(app: Hono<AppEnv>, s: Services, version: string, r: PeerMessageRoutes): void {
  const path = federationPath(version, "index");
  const sender = indexSender({ ...s, directory: s.discovery.directory });
  app.post(path, async (c) => {
    const opened = await openFromKnown(c, path, r, sender);
    if (opened instanceof Response) return opened;
    const request = parseMessage(opened.plaintext, indexRequest);
    if (!request || !s.discovery.understands(request)) return sealedAnswer(c, opened, { ok: false, error: { code: "bad_request", message: "not an index message" } });
    return sealedAnswer(c, opened, { ok: true, result: await s.discovery.receive(opened.from, request) });
  });
}
