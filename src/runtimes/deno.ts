// Deno entry point (local and Deno Deploy): Deno.serve, and Deno.cron for the tick.
import { createApp } from "../app.ts";
import { banner, failStart, startLocal } from "./local.ts";

const local = await startLocal(Deno.env.toObject()).catch((err: unknown) => failStart(err, Deno.exit));
const node = createApp({ config: local.config, db: local.db });

Deno.serve({ port: local.config.port, hostname: local.config.host, onListen: () => console.log(banner(local.config, `deno ${Deno.version.deno}`)) }, node.app.fetch);

const tick = () => node.tick().then(() => undefined);
// Deno.cron runs at most once a minute; TICK_SECONDS below that has no effect here.
Deno.cron("mcpfed tick", `*/${Math.max(1, Math.round(local.config.tickSeconds / 60))} * * * *`, tick);
setTimeout(tick, 0);
