// Backups held for peers (docs/protocol.md §19.2): `backup-deposit` and `backup-fetch`, each from
// an active peer, opened like every peer message; refusals go back sealed with their typed code.
import type { Context, Hono } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { backupDepositRequest, backupFetchRequest, DepositError } from "../../protocol/backup/deposit.ts";
import { RESPONSE_CONTENT_TYPE } from "../../protocol/envelope/response.ts";
import { federationPath, parseMessage } from "../../protocol/messages/federation.ts";
import { fetchHeld, holdDeposit } from "../../node/backup/held.ts";
import { log } from "../../node/logging/log.ts";
import type { Services } from "../../node/services.ts";
import type { PeerMessageRoutes } from "./known-sender.ts";
import type { Received } from "./received.ts";

async function sealedAnswer(c: Context, opened: Pick<Received, "sealResponse">, answer: unknown): Promise<Response> {
  const body = await opened.sealResponse(new TextEncoder().encode(JSON.stringify(answer)));
  return c.body(body as Uint8Array<ArrayBuffer>, 200, { "content-type": RESPONSE_CONTENT_TYPE });
}

export function backupRoutes(app: Hono<AppEnv>, s: Services, version: string, r: PeerMessageRoutes): void {
  const serve = <T extends z.ZodType>(name: "backup-deposit" | "backup-fetch", schema: T, handle: (from: string, m: z.infer<T>) => Promise<unknown>) => {
    const path = federationPath(version, name);
    app.post(path, async (c) => {
      const opened = await r.openFromPeer(c, path);
      if (opened instanceof Response) return opened;
      const request = parseMessage(opened.plaintext, schema);
      if (request === undefined) return sealedAnswer(c, opened, { ok: false, error: { code: "bad_deposit", message: `not a ${name} message` } });
      try {
        return await sealedAnswer(c, opened, { ok: true, result: await handle(opened.from, request) });
      } catch (err) {
        if (!(err instanceof DepositError)) throw err;
        // Codes only: never the file.
        log.info("backup.refused", { message: name, from: opened.from, code: err.reason });
        return sealedAnswer(c, opened, { ok: false, error: { code: err.reason, message: err.message } });
      }
    });
  };
  serve("backup-deposit", backupDepositRequest, (from, m) => holdDeposit(s, from, m));
  serve("backup-fetch", backupFetchRequest, (from, m) => fetchHeld(s, from, m));
}
