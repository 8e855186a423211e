// The consent page: server-rendered, no scripts and no external assets. It shows what the client
// says it is, where the code will go and what it asks for; the operator approves with the
// passphrase. Everything shown is escaped, as the client chose its own name.
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Scope } from "../../node/access/principals/scopes.ts";

const SCOPE_TEXT: Record<Scope, string> = {
  "mcp:read": "see this node's tools, resources and prompts",
  "mcp:call": "call the tools that policy lets it call",
  "mcp:grants": "ask for time-limited permission grants",
};

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.3rem} code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px;word-break:break-all}
.box{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
.warn{color:#8a4b00} .err{color:#b00020;font-weight:600}
label{display:block;margin:.6rem 0} input[type=password]{width:100%;padding:.4rem;font-size:1rem}
button{padding:.5rem 1.2rem;font-size:1rem;margin-right:.6rem}`;

export function page(title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin"><title>${title}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

export interface ConsentView {
  nodeName: string;
  clientName: string;
  clientId: string;
  /** A client ID metadata document: its name is vouched for by its URL's owner. */
  documentedClient: boolean;
  redirectUri: string;
  scopes: readonly Scope[];
  /** The signed authorization request, sent back with the form. */
  request: string;
  error?: string | undefined;
}

export function consentPage(v: ConsentView) {
  return page(
    `Authorize ${v.clientName}`,
    html`<h1>Allow <q>${v.clientName}</q> to use ${v.nodeName}?</h1>
<div class="box">
<p>Client: <strong>${v.clientName}</strong> <small>(<code>${v.clientId}</code>)</small></p>
${v.documentedClient ? "" : html`<p class="warn">The name is the client's own claim; trust the redirect address below.</p>`}
<p>After approval, the browser goes to:<br><code>${v.redirectUri}</code></p>
<p>It asks to:</p>
<ul>${v.scopes.map((s) => html`<li><code>${s}</code>: ${SCOPE_TEXT[s]}</li>`)}</ul>
</div>
${v.error ? html`<p class="err">${v.error}</p>` : ""}
<form method="post" action="">
<input type="hidden" name="request" value="${v.request}">
<label>Operator passphrase <input type="password" name="passphrase" autocomplete="current-password" autofocus></label>
<label><input type="checkbox" name="remember" value="yes"> Don't ask again for this client</label>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(title: string, message: string) {
  return page(title, html`<h1>${title}</h1><p>${message}</p>`);
}
