// The Ledger page's Stripe adapter settings: whether a key is set (its last four characters only,
// as the admin API lists it) and the forms that set or remove it. Both post console actions, so
// the key reaches the same admin route the CLI uses, which validates and seals it.
import { Action } from "./layout.tsx";
import type { Locale } from "./i18n/locale.ts";

export interface SettlementMethod {
  method: string;
  settings: Record<string, string>;
  secret: { set: true; last4: string };
}

/** The optional fields the form offers, as the admin route names them; the API base stays a CLI option (a test double's). */
const OPTIONAL = [
  ["customer", "stripe.customer"],
  ["paymentMethod", "stripe.paymentMethod"],
  ["destination", "stripe.destination"],
] as const;

export function StripeSettings(props: { l: Locale; csrf: string; back: string; methods: SettlementMethod[] }) {
  const { l, csrf, back } = props;
  const stripe = props.methods.find((m) => m.method === "stripe");
  return (
    <section>
      <h2>{l.t("stripe.title")}</h2>
      <p>{stripe ? l.t("stripe.set", { last4: stripe.secret.last4 }) : l.t("stripe.unset")}</p>
      {stripe && Object.keys(stripe.settings).length > 0 ? (
        <dl>
          {Object.entries(stripe.settings).map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>
                <code>{v}</code>
              </dd>
            </>
          ))}
        </dl>
      ) : null}
      <form method="post" action="/console/actions/stripe-set" class="filters">
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="_back" value={back} />
        <label>
          {l.t("stripe.key")}
          <input type="password" name="secretKey" autocomplete="off" required />
        </label>
        {OPTIONAL.map(([name, label]) => (
          <label>
            {l.t(label)}
            <input name={name} value={stripe?.settings[name] ?? ""} />
          </label>
        ))}
        <button type="submit">{l.t(stripe ? "stripe.replace" : "stripe.save")}</button>
      </form>
      {stripe ? <Action csrf={csrf} back={back} action="stripe-remove" fields={{}} label={l.t("stripe.remove")} /> : null}
    </section>
  );
}
