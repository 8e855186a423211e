// The page a deployment without its secrets shows: which secret is missing, what it is, how to
// make a good value and how to set it on this platform. It names secrets, never their values.
import type { UnsetSecret } from "../../node/settings/setup-check.ts";
import type { Locale } from "../console/i18n/locale.ts";
import { Document, TopBar } from "../console/layout.tsx";

/** Where the node runs decides how a secret is set. */
export type DeployPlatform = "workers" | "deno-deploy";

/** Commands that print a good value; none needs anything beyond OpenSSL or Node (its global WebCrypto: the command names no module, so no import check mistakes it for one). */
const MAKE: Record<UnsetSecret["name"], string[]> = {
  ADMIN_TOKEN: ["openssl rand -hex 32"],
  NODE_SEED: ["openssl rand -base64 32 | tr '+/' '-_' | tr -d '='", `node -e "console.log(Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url'))"`],
};

function HowToSet(props: { l: Locale; platform: DeployPlatform; names: string[] }) {
  const { l } = props;
  if (props.platform === "deno-deploy") return <p>{l.t("setup.how.deno")}</p>;
  return (
    <>
      <p>{l.t("setup.how.workers")}</p>
      <pre>
        <code>{props.names.map((n) => `npx wrangler secret put ${n}`).join("\n")}</code>
      </pre>
      <p>{l.t("setup.how.workers.dashboard")}</p>
    </>
  );
}

export function SetupPage(props: { l: Locale; unset: UnsetSecret[]; platform: DeployPlatform }) {
  const { l, unset } = props;
  return (
    <Document l={l} title={l.t("setup.title")}>
      <TopBar l={l} brand="mcpfed" back="/" />
      <main id="main" class="narrow" tabindex={-1}>
        <h1>{l.t("setup.title")}</h1>
        <p>{l.t("setup.intro")}</p>
        {unset.map((s) => (
          <section>
            <h2>{s.name}</h2>
            <p role="alert">{l.t(s.problem === "missing" ? "setup.missing" : "setup.invalid", { name: s.name })}</p>
            <p>{l.t(`setup.what.${s.name}`)}</p>
            <pre>
              <code>{MAKE[s.name].join("\n")}</code>
            </pre>
          </section>
        ))}
        <h2>{l.t("setup.how")}</h2>
        <HowToSet l={l} platform={props.platform} names={unset.map((s) => s.name)} />
        <p>{l.t("setup.after")}</p>
      </main>
    </Document>
  );
}
