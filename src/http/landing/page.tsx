// The public landing page at /: what this node is, its MCP URL, how to connect Claude, its card;
// and, while it has neither upstreams nor peers, the operator's next steps (the first, setting the
// secrets, is done by then: without them the setup page answers instead, src/http/setup/).
import type { Locale } from "../console/i18n/locale.ts";
import { Document, TopBar } from "../console/layout.tsx";

export interface LandingView {
  nodeName: string;
  mcpUrl: string;
  cardUrl: string;
  fresh: boolean;
}

/** A name Claude Code accepts for the server: the node's, reduced to letters, digits, - and _. */
function serverName(nodeName: string): string {
  return nodeName.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "mcpfed";
}

export function LandingPage(props: { l: Locale; v: LandingView }) {
  const { l, v } = props;
  return (
    <Document l={l} title={l.t("landing.title", { name: v.nodeName })}>
      <TopBar l={l} brand={v.nodeName} back="/">
        <a href="/console">{l.t("landing.console")}</a>
      </TopBar>
      <main id="main" class="narrow" tabindex={-1}>
        <h1>{l.t("landing.title", { name: v.nodeName })}</h1>
        <p>{l.t("landing.intro")}</p>
        <h2>{l.t("landing.mcp")}</h2>
        <pre>
          <code>{v.mcpUrl}</code>
        </pre>
        <h2>{l.t("landing.connect")}</h2>
        <p>{l.t("landing.code")}</p>
        <pre>
          <code>{`claude mcp add --transport http ${serverName(v.nodeName)} ${v.mcpUrl}`}</code>
        </pre>
        <p>{l.t("landing.web")}</p>
        <p>
          <a href={v.cardUrl}>{l.t("landing.card")}</a>
        </p>
        {v.fresh ? (
          <section>
            <h2>{l.t("landing.next")}</h2>
            <ol>
              <li>{l.t("landing.step.secrets")}</li>
              <li>
                <a href="/console">{l.t("landing.console")}</a>: {l.t("landing.step.console")}
              </li>
              <li>{l.t("landing.step.connect")}</li>
            </ol>
          </section>
        ) : null}
      </main>
    </Document>
  );
}
