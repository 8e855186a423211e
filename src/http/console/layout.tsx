// The page shell: language and direction, skip link, the sections, the sign-out form, a flash
// message from the last action; and the pieces every page uses (tables, action forms, pager).
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { Locale } from "./i18n/locale.ts";
import type { MessageKey } from "./i18n/en.ts";
import { LOCALES, type LocaleId } from "./i18n/locale.ts";
import { escaped } from "./markup.ts";
import { STYLESHEET_PATH } from "./stylesheet.ts";

export const SECTIONS = ["overview", "alerts", "catalog", "federation", "calls", "ledger", "access", "agents"] as const;
export type Section = (typeof SECTIONS)[number];

export interface Flash {
  ok: boolean;
  text: string;
}

export function Document(props: { l: Locale; title: string; children: Child }) {
  return (
    <html lang={props.l.id} dir={props.l.dir}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={STYLESHEET_PATH} />
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/** Links to the same page in every other language, through the cookie-setting switch. */
export function LanguageSwitch(props: { l: Locale; back: string }) {
  const others = (Object.keys(LOCALES) as LocaleId[]).filter((id) => id !== props.l.id);
  return (
    <nav aria-label={props.l.t("lang.switch")}>
      {others.map((id) => (
        <a href={`/console/lang?to=${id}&back=${encodeURIComponent(props.back)}`} hreflang={id} lang={id}>
          {LOCALES[id]["lang.name"]}
        </a>
      ))}
    </nav>
  );
}

/** The skip link and the bar above every page: a brand, the language switch, and `children`. */
export function TopBar(props: { l: Locale; brand: string; back: string; children?: Child }) {
  return (
    <>
      <a class="skip" href="#main">
        {props.l.t("skip")}
      </a>
      <header class="top">
        <span class="brand">{props.brand}</span>
        <LanguageSwitch l={props.l} back={props.back} />
        {props.children}
      </header>
    </>
  );
}

/** Key figures as a definition list; `tone` colours a value good or bad. */
export function Figures(props: { items: readonly { label: string; value: Child; tone?: "ok" | "bad" | undefined }[] }) {
  return (
    <dl class="figures">
      {props.items.map((f) => (
        <div>
          <dt>{f.label}</dt>
          <dd class={f.tone}>{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ConsolePage(props: { l: Locale; section: Section; nodeName: string; csrf: string; back: string; flash?: Flash | undefined; children: Child }) {
  const { l } = props;
  const title = l.t(`nav.${props.section}` as MessageKey);
  return (
    <Document l={l} title={`${title} · ${props.nodeName}`}>
      <TopBar l={l} brand={`${props.nodeName} · ${l.t("console")}`} back={props.back}>
        <form method="post" action="/console/signout" class="inline">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button type="submit">{l.t("signout")}</button>
        </form>
      </TopBar>
      <nav class="sections" aria-label={l.t("nav.label")}>
        <ul>
          {SECTIONS.map((s) => (
            <li>
              <a href={`/console/${s}`} aria-current={s === props.section ? "page" : undefined}>
                {l.t(`nav.${s}` as MessageKey)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabindex={-1}>
        <h1>{title}</h1>
        {props.flash ? (
          <p class={props.flash.ok ? "flash" : "flash bad"} role="status">
            {props.flash.text}
          </p>
        ) : null}
        {props.children}
      </main>
    </Document>
  );
}

export interface Column<T> {
  label: string;
  cell: (row: T) => Child;
  num?: boolean;
}

export function Table<T>(props: { l: Locale; caption: string; columns: Column<T>[]; rows: readonly T[] }) {
  if (props.rows.length === 0) {
    return (
      <section>
        <h2>{props.caption}</h2>
        <p>{props.l.t("empty")}</p>
      </section>
    );
  }
  return (
    <section>
      <h2>{props.caption}</h2>
      <table>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col">{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              {props.columns.map((c) => (
                <td class={c.num ? "num" : undefined}>{c.cell(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * A button that runs one console action (routes.tsx ACTIONS) with its fields; `input` adds one
 * visible, labelled field (a new name, a visibility).
 */
export function Action(props: {
  csrf: string;
  back: string;
  action: string;
  fields: Record<string, string>;
  label: string;
  input?: { name: string; label: string; options?: readonly string[] } | undefined;
}) {
  const { input } = props;
  const hidden = [["_csrf", props.csrf], ["_back", props.back], ...Object.entries(props.fields)].map(([k, v]) => `<input type="hidden" name="${escaped(k!)}" value="${escaped(v!)}"/>`).join("");
  const field = !input
    ? ""
    : `<label><span class="sr">${escaped(input.label)}</span>${
        input.options
          ? `<select name="${escaped(input.name)}">${input.options.map((o) => `<option value="${escaped(o)}">${escaped(o)}</option>`).join("")}</select>`
          : `<input name="${escaped(input.name)}" required="" size="14"/>`
      }</label>`;
  // Written as text: the Catalog page has four of these on each of its 25 rows.
  return raw(`<form method="post" action="/console/actions/${escaped(props.action)}" class="inline">${hidden}${field}<button type="submit">${escaped(props.label)}</button></form>`);
}

export function Id(props: { value: string | null | undefined }) {
  return props.value ? <span class="id">{props.value}</span> : null;
}
