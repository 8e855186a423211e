// A node's console driven over HTTP as a browser would: the sign-in form's token and cookie,
// the session cookie, and the CSRF token of each page's forms.
type Fetcher = (url: string, init?: RequestInit) => Promise<Response>;

export interface ConsoleClient {
  /** The session cookie as sent back (name=value). */
  cookie: string;
  /** The raw Set-Cookie of the session. */
  setCookie: string;
  page(path: string): Promise<{ status: number; html: string; csrf: string | undefined; res: Response }>;
  post(path: string, fields: Record<string, string>): Promise<Response>;
}

export const csrfIn = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)?.[1];
const form = (fields: Record<string, string>) => ({ "content-type": "application/x-www-form-urlencoded", body: new URLSearchParams(fields).toString() });

/** Signs in at `origin` with `secret`; throws unless the console answers with a session. */
export async function signIn(fetcher: Fetcher, origin: string, secret: string): Promise<ConsoleClient> {
  const signin = await fetcher(`${origin}/console/signin`);
  const nonce = signin.headers.get("set-cookie")!.split(";")[0]!;
  const token = csrfIn(await signin.text())!;
  const { body, ...type } = form({ _csrf: token, secret });
  const res = await fetcher(`${origin}/console/signin`, { method: "POST", headers: { cookie: nonce, ...type }, body, redirect: "manual" });
  const setCookie = res.headers.get("set-cookie");
  if (res.status !== 303 || !setCookie?.startsWith("mcpfed_console=")) throw new Error(`sign-in refused: HTTP ${res.status}`);
  const cookie = setCookie.split(";")[0]!;
  return {
    cookie,
    setCookie,
    page: async (path) => {
      const res = await fetcher(`${origin}${path}`, { headers: { cookie }, redirect: "manual" });
      const html = await res.clone().text();
      return { status: res.status, html, csrf: csrfIn(html), res };
    },
    post: async (path, fields) => {
      const { body, ...t } = form(fields);
      return fetcher(`${origin}${path}`, { method: "POST", headers: { cookie, ...t }, body, redirect: "manual" });
    },
  };
}
