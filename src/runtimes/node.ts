// Node entry point: `npm start`. Serves the app, ticks on a timer, shuts down cleanly.
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createApp } from "../http/app.ts";
import { banner, failStart, startLocal } from "./local.ts";
import { outboundFetch } from "./node-outbound.ts";
import { nodeTxtResolver } from "./node-dns.ts";
import { nodeRawRsa } from "./node-raw-rsa.ts";
import { nodeOnionCipher } from "./node-onion-cipher.ts";
import { stdioConnector } from "./stdio.ts";
import { findPackageRuntimes } from "./package-runtimes.ts";
import { nodePackageFiles } from "./package-files.ts";
import { localPdfFonts } from "./pdf-fonts.ts";
import { keepPreparedStatements } from "./libsql-statements.ts";

keepPreparedStatements();
const local = await startLocal(process.env).catch((err: unknown) => failStart(err, process.exit));
const { config } = local;
// Keys load here, not on the first request: a NODE_SEED that does not fit the stored identity
// stops the start with a message.
const node = await createApp({
  config,
  db: local.db,
  connInfo: getConnInfo,
  platform: {
    requestScopedIo: false,
    standingStreams: true,
    stdio: stdioConnector,
    fetch: outboundFetch(config.allowPrivateUrls),
    resolveTxt: nodeTxtResolver(config.dnsServers),
    rawRsa: nodeRawRsa,
    onionCipher: nodeOnionCipher,
    packageRuntimes: findPackageRuntimes(config),
    packages: nodePackageFiles(local.dataDir, { registry: config.npmRegistryUrl, allowPrivate: config.allowPrivateUrls }),
    pdfFonts: localPdfFonts,
  },
}).catch((err: unknown) =>
  failStart(err, process.exit),
);
await local.checkpoint();

const server = serve({ fetch: node.app.fetch, port: config.port, hostname: config.host }, (info) => {
  console.log(banner(config, `node ${process.version}`));
  console.log(`listening on ${info.address}:${info.port}`);
});

const failed = (err: unknown) => console.error("tick failed:", err);
const tick = () => void node.tick().catch(failed);
setTimeout(() => void node.tickAtStart().catch(failed), 0); // refresh upstreams once at start
// Woken just after each period starts (periods are counted from the epoch), as every instance of
// this node is: the first to claim the period's lease does its work (src/node/tick-lease.ts).
const periodMs = config.tickSeconds * 1000;
let timer: ReturnType<typeof setTimeout>;
const schedule = () => {
  timer = setTimeout(() => {
    tick();
    schedule();
  }, periodMs - (Date.now() % periodMs) + 50);
};
schedule();
// Behind mailboxes (MAILBOXES), this node's calls arrive through its long polls.
const polling = new AbortController();
void node.mailboxes?.run(polling.signal).catch((err: unknown) => console.error("mailbox polling failed:", err));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  clearTimeout(timer);
  polling.abort();
  server.close();
  await node.close();
  local.client.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
