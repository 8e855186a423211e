// Deno entry point, local and on Deno Deploy: Deno.serve, and Deno.cron for the tick.
import { getConnInfo } from "hono/deno";
import { createApp, type NodeApp } from "../http/app.ts";
import { setupApp } from "../http/setup/routes.tsx";
import { ConfigError, loadConfig, type Config } from "../node/settings/config.ts";
import type { Platform } from "../node/settings/platform.ts";
import { unsetSecrets } from "../node/settings/setup-check.ts";
import { outboundFetch } from "./deno-outbound.ts";
import { denoTxtResolver } from "./deno-dns.ts";
import { nodeRawRsa } from "./node-raw-rsa.ts";
import { localPdfFonts } from "./pdf-fonts.ts";
import { openRemote } from "./remote.ts";
import { banner, failStart } from "./startup.ts";

const env = Deno.env.toObject();
// Set by Deno Deploy. Its instances are public, many and short-lived, none sharing a disk: the
// store must be a remote libSQL URL, and /mcp needs a token (or AUTHLESS=true).
const onDeploy = env.DENO_DEPLOYMENT_ID !== undefined;

/** Cron has no "every N minutes" past 59: longer periods round to whole hours, then to a day. */
function cronFor(tickSeconds: string | undefined): string {
  const seconds = Number(tickSeconds ?? 60); // loadConfig validates it below
  const minutes = Number.isFinite(seconds) ? Math.max(1, Math.round(seconds / 60)) : 1;
  if (minutes < 60) return `*/${minutes} * * * *`;
  const hours = Math.round(minutes / 60);
  return hours < 24 ? `0 */${hours} * * *` : "0 0 * * *";
}

let node: NodeApp | undefined;
/**
 * A long-lived process: deferred work runs after the response. Spawning and the package store come
 * from `startOnDisk` only (Deploy can do neither), so they are passed in as `local`.
 */
const denoPlatform = (config: Config, local: Pick<Platform, "stdio" | "packageRuntimes" | "packages"> = {}): Platform => ({
  requestScopedIo: false,
  standingStreams: true,
  fetch: outboundFetch(config.allowPrivateUrls),
  resolveTxt: denoTxtResolver(config.dnsServers),
  rawRsa: nodeRawRsa,
  pdfFonts: localPdfFonts,
  ...local,
});
const failed = (err: unknown) => console.error("tick failed:", err);
// Behind mailboxes, each tick also takes and serves what they hold (no long poll: a cron run is short).
const tick = () =>
  node
    ?.tick()
    .then(() => node?.mailboxes?.pollOnce(0, AbortSignal.timeout(60_000)).then((p) => p.served))
    .then(() => undefined, failed);
// First, unconditionally, and before Deno.serve: Deno Deploy finds crons by evaluating the top
// level of the module. Deno.cron fires at most once a minute, so TICK_SECONDS < 60 acts as 60.
Deno.cron("mcpfed tick", cronFor(env.TICK_SECONDS), tick);

interface Started {
  config: Config;
  node: NodeApp;
  close: () => void;
}

async function startDeploy(): Promise<Started> {
  const config = loadConfig(env, { edge: true });
  const url = config.libsqlUrl;
  if (!url || url.startsWith("file:")) {
    throw new ConfigError("invalid configuration:\n  LIBSQL_URL: Deno Deploy needs a remote libSQL database (libsql:, https: or wss:)");
  }
  const db = await openRemote({ ...config, libsqlUrl: url });
  return { config, node: await createApp({ config, db, connInfo: getConnInfo, platform: denoPlatform(config) }), close: () => {} };
}

async function startOnDisk(): Promise<Started> {
  // Imported here only: the native libSQL addon, and spawning and the package store, which Deploy lacks.
  const [{ startLocal }, { stdioConnector }, { findPackageRuntimes }, { nodePackageFiles }] = await Promise.all([
    import("./local.ts"),
    import("./stdio.ts"),
    import("./package-runtimes.ts"),
    import("./package-files.ts"),
  ]);
  const local = await startLocal(env);
  const { config, db } = local;
  // Packages for Node run under `node` from the path: this process's own binary is Deno.
  const platform = denoPlatform(config, {
    stdio: stdioConnector,
    packageRuntimes: findPackageRuntimes(config, { node: "node", deno: Deno.execPath() }),
    packages: nodePackageFiles(local.dataDir, { registry: config.npmRegistryUrl, allowPrivate: config.allowPrivateUrls }),
  });
  const node = await createApp({ config, db, connInfo: getConnInfo, platform });
  await local.checkpoint();
  return { config, node, close: () => local.client.close() };
}

async function serveNode(): Promise<void> {
  // Keys load while starting: a NODE_SEED that does not fit the stored identity stops the start.
  const started = await (onDeploy ? startDeploy() : startOnDisk()).catch((err: unknown) => failStart(err, Deno.exit));
  const { config } = started;
  node = started.node;

  const runtime = `deno ${Deno.version.deno}${onDeploy ? " on Deno Deploy" : ""}`;
  const onListen = () => console.log(banner(config, runtime));
  const server = onDeploy
    ? Deno.serve({ onListen }, started.node.app.fetch) // Deploy assigns the address
    : Deno.serve({ port: config.port, hostname: config.host, onListen }, started.node.app.fetch);
  setTimeout(() => void started.node.tickAtStart().catch(failed), 0); // refresh upstreams once at start

  let stopping = false;
  async function stop() {
    if (stopping) return;
    stopping = true;
    // Open SSE streams would hold shutdown() forever.
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 2000))]);
    await started.node.close();
    started.close();
    Deno.exit(0);
  }
  // Deno Deploy stops instances with SIGINT; Windows has no SIGTERM.
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
}

// On Deploy there is no disk to generate the secrets on: a fresh deploy without them explains how
// to set them and serves nothing else (setting them makes a new revision, which starts afresh).
const unset = onDeploy ? unsetSecrets(env) : [];
if (unset.length > 0) {
  console.error(`Not set up: set ${unset.map((s) => s.name).join(" and ")} in the app's environment variables.`);
  Deno.serve(setupApp(unset, "deno-deploy").fetch);
} else {
  await serveNode();
}
