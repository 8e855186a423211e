// The page a principal's connect link opens: server-rendered, no scripts, everything escaped.
import { html } from "hono/html";
import { page } from "../oauth/consent-page.ts";

export interface ConnectView {
  nodeName: string;
  upstream: string;
  principal: string;
  /** The header whose value the principal pastes; undefined for an OAuth upstream. */
  header: string | undefined;
  link: string;
  error?: string | undefined;
}

export function connectPage(v: ConnectView) {
  return page(
    `Connect ${v.upstream}`,
    html`<h1>Connect your credential for <q>${v.upstream}</q></h1>
<div class="box">
<p>${v.nodeName} calls the upstream <strong>${v.upstream}</strong> with each caller's own credential.
This one will be used for the calls of <code>${v.principal}</code> only, and kept sealed.</p>
</div>
${v.error ? html`<p class="err">${v.error}</p>` : ""}
<form method="post" action="">
<input type="hidden" name="link" value="${v.link}">
<label>The node's passphrase (the one its consent page asks for) <input type="password" name="passphrase" autocomplete="current-password"></label>
${
  v.header === undefined
    ? html`<p>You will sign in at the upstream's own authorization server and allow ${v.nodeName} to call it for you.</p>
<button type="submit" name="action" value="authorize">Continue</button>`
    : html`<label>Value of the <code>${v.header}</code> header <input type="password" name="value" autocomplete="off" autofocus></label>
<button type="submit" name="action" value="save">Save</button>`
}
<button type="submit" name="action" value="disconnect">Disconnect</button>
</form>`,
  );
}

/** The step after Continue: a plain link, as a form may not send the browser to another origin. */
export function continuePage(upstream: string, authorizationUrl: URL) {
  return page(
    `Sign in for ${upstream}`,
    html`<h1>Sign in for <q>${upstream}</q></h1>
<p><a id="authorize" href="${authorizationUrl.href}">Continue to ${authorizationUrl.host}</a></p>`,
  );
}
