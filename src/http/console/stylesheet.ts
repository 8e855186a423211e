// The console's and the landing page's one stylesheet, served from the app (CSP style-src 'self').
// Logical properties only (margin-inline, inset-inline, text-align: start), so that the same
// rules lay out right-to-left pages.
export const STYLESHEET_PATH = "/console/assets/console.css";

export const STYLESHEET = `
:root{--fg:#1b1b1f;--muted:#55586a;--bg:#fff;--line:#d5d7e0;--accent:#1a4fb5;--ok:#0b6b2c;--bad:#a3141f;--chip:#eef1f8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,"Noto Sans","Noto Sans Arabic",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.skip{position:absolute;inset-inline-start:.5rem;inset-block-start:-3rem;background:var(--fg);color:#fff;padding:.4rem .8rem;z-index:2}
.skip:focus{inset-block-start:.5rem}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.6rem 1rem;border-block-end:1px solid var(--line)}
header.top .brand{font-weight:700;margin-inline-end:auto}
nav.sections ul{display:flex;flex-wrap:wrap;gap:.2rem;list-style:none;margin:0;padding:.4rem 1rem;border-block-end:1px solid var(--line)}
nav.sections a{display:inline-block;padding:.3rem .7rem;border-radius:4px;text-decoration:none}
nav.sections a[aria-current=page]{background:var(--accent);color:#fff}
main{padding:1rem;max-inline-size:80rem}
main.narrow{max-inline-size:40rem;margin-inline:auto}
h1{font-size:1.4rem;margin-block:.3rem 1rem}
h2{font-size:1.1rem;margin-block:1.6rem .5rem}
table{border-collapse:collapse;inline-size:100%;margin-block:.4rem}
th,td{text-align:start;padding:.3rem .5rem;border-block-end:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted)}
td.num{text-align:end;font-variant-numeric:tabular-nums}
code,.id{font-family:ui-monospace,monospace;font-size:.88em;word-break:break-all}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.6rem;margin:0}
.figures div{border:1px solid var(--line);border-radius:6px;padding:.6rem}
.figures dt{color:var(--muted);font-size:.85rem}
.figures dd{margin:0;font-size:1.2rem;font-weight:600}
.ok{color:var(--ok)} .bad{color:var(--bad)}
.flash{padding:.5rem .8rem;border-radius:4px;border:1px solid var(--line);background:var(--chip)}
.flash.bad{border-color:var(--bad)}
form.inline{display:inline-flex;gap:.3rem;align-items:center;margin:0}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin-block:.5rem}
label{display:flex;flex-direction:column;gap:.15rem;font-size:.9rem}
input,select,button{font:inherit;padding:.25rem .5rem}
button{cursor:pointer;border:1px solid var(--accent);background:var(--bg);color:var(--accent);border-radius:4px}
button.primary{background:var(--accent);color:#fff}
.sr{position:absolute;inline-size:1px;block-size:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
svg .bar{fill:#7c9ce0} svg .err{fill:var(--bad)} svg .axis{stroke:var(--line)}
svg .edge{stroke:#9aa3b8;stroke-width:1.2} svg .node{fill:#fff;stroke:var(--accent);stroke-width:2}
svg .node.self{fill:var(--accent)} svg .node.pending{stroke:#b07400} svg .node.blocked{stroke:var(--bad)} svg .node.far{stroke:#9aa3b8}
svg.graph{max-inline-size:32rem}
pre{background:var(--chip);padding:.6rem;border-radius:4px;overflow-x:auto;direction:ltr;text-align:start}
.pager{margin-block:.6rem}
`;
