// The sign-in page: one password field for the admin token or the consent passphrase.
import { Document, TopBar } from "./layout.tsx";
import type { Locale } from "./i18n/locale.ts";

export function SigninPage(props: { l: Locale; nodeName: string; token: string; error?: string | undefined }) {
  const { l } = props;
  return (
    <Document l={l} title={`${l.t("signin.title")} · ${props.nodeName}`}>
      <TopBar l={l} brand={`${props.nodeName} · ${l.t("console")}`} back="/console/signin" />
      <main id="main" class="narrow" tabindex={-1}>
        <h1>{l.t("signin.title")}</h1>
        {props.error ? (
          <p class="flash bad" role="alert">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/console/signin">
          <input type="hidden" name="_csrf" value={props.token} />
          <label>
            {l.t("signin.secret")}
            <input type="password" name="secret" autocomplete="current-password" required autofocus />
          </label>
          <p>
            <button type="submit" class="primary">
              {l.t("signin.submit")}
            </button>
          </p>
        </form>
      </main>
    </Document>
  );
}
