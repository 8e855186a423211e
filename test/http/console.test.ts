// The console and the landing page in one real node (in-process, its own libSQL file): what API
// clients still get at /, sign-in and its limits, the session cookie, CSRF, that actions go
// through the admin API (and its audit trail), and that no page shows a secret.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { startLocal } from "../../src/runtimes/local.ts";
import { signIn, type ConsoleClient } from "../support/console.ts";
import { ADMIN_TOKEN, eventually, tempDir } from "../support/processes.ts";
import { recordChange } from "../../src/store/definition-pins.ts";
import type { Database } from "../../src/store/database.ts";
import { declareIntent } from "../../src/node/agents/intents.ts";
import { replaceUpstreamCatalog } from "../../src/store/catalog.ts";
import { alerts, settlementMethods, upstreams } from "../../src/store/schema/index.ts";
import { insertInvocations } from "../../src/store/invocations.ts";
import { MetricsRecorder } from "../../src/node/metrics/recorder.ts";
import { METRICS } from "../../src/node/metrics/definitions.ts";

const PASSPHRASE = "a consent passphrase for tests";
const LOCAL = "http://127.0.0.1:8787";
const PUBLIC = "https://node.example";
const SECTIONS = ["overview", "alerts", "catalog", "federation", "calls", "ledger", "access", "agents"];

let node: NodeApp;
let dataDir: string;
let secrets: string[];
let db: Database;
const call = async (url: string, init?: RequestInit) => node.app.request(url, init);
const admin = (method: string, path: string, body?: unknown) =>
  call(`${LOCAL}/admin${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });

beforeAll(async () => {
  dataDir = tempDir();
  const local = await startLocal({ DATA_DIR: dataDir, ADMIN_TOKEN, CONSENT_PASSPHRASE: PASSPHRASE, NODE_NAME: "console-test", TICK_SECONDS: "3600" });
  db = local.db;
  node = await createApp({ config: local.config, db: local.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
  secrets = [ADMIN_TOKEN, PASSPHRASE, readFileSync(join(dataDir, "node-seed"), "utf8").trim()];
});

afterAll(async () => {
  await node?.close();
});

/** The files of the node's data folder (database, WAL, identity) that hold `text`. */
function dataFolderHolds(text: string): string[] {
  return readdirSync(dataDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => readFileSync(f).includes(Buffer.from(text)));
}

describe("GET /", () => {
  it("answers API clients exactly as before the landing page: the JSON not_found", async () => {
    for (const accept of [undefined, "application/json", "*/*", "application/json, text/html;q=0.5"]) {
      const res = await call(`${LOCAL}/`, accept ? { headers: { accept } } : {});
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(await res.json()).toEqual({ error: { code: "not_found", message: "no route for GET /" } });
    }
  });

  it("shows browsers the node's name, MCP URL, how to connect Claude, its card, and a fresh node's next steps", async () => {
    const res = await call(`${LOCAL}/`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain("console-test");
    expect(html).toContain(`${LOCAL}/mcp`);
    expect(html).toContain(`claude mcp add --transport http console-test ${LOCAL}/mcp`);
    expect(html).toContain(`href="${LOCAL}/.well-known/mcpfed"`);
    expect(html).toContain('href="/console"');
    expect(html).toMatch(/Next steps/);
    // The three steps, in order: the secrets (done, or this page would be the setup page), the console, Claude.
    expect(html).toMatch(/<ol><li>Set the secrets ADMIN_TOKEN and NODE_SEED: done\.<\/li><li><a href="\/console">Open the console<\/a>.*<\/li><li>Connect Claude with the MCP URL above\.<\/li><\/ol>/);
    expect(html).not.toContain("<script");
  });

  it("speaks Arabic, right to left, when the browser prefers it", async () => {
    const html = await (await call(`${LOCAL}/`, { headers: { accept: "text/html", "accept-language": "ar,en;q=0.5" } })).text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain("ربط Claude");
  });
});

describe("console sign-in", () => {
  it("sends every page to sign-in without a session, and refuses actions", async () => {
    for (const s of SECTIONS) {
      const res = await call(`${LOCAL}/console/${s}`, { redirect: "manual" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/console/signin");
    }
    const post = await call(`${LOCAL}/console/actions/peer-block`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "id=x&_csrf=y" });
    expect(post.status).toBe(303);
    expect(post.headers.get("location")).toBe("/console/signin");
  });

  it("takes the admin token or the consent passphrase, and refuses anything else", async () => {
    await expect(signIn(call, LOCAL, ADMIN_TOKEN)).resolves.toBeDefined();
    await expect(signIn(call, LOCAL, PASSPHRASE)).resolves.toBeDefined();
    await expect(signIn(call, LOCAL, "not the secret at all")).rejects.toThrow(/HTTP 401/);
  });

  it("refuses a sign-in form without its token", async () => {
    const res = await call(`${LOCAL}/console/signin`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `secret=${ADMIN_TOKEN}` });
    expect(res.status).toBe(400);
    expect(res.headers.get("set-cookie") ?? "").not.toContain("mcpfed_console=");
  });

  it("sets the session cookie HttpOnly, SameSite=Strict, Path=/console; Secure off loopback", async () => {
    const local = await signIn(call, LOCAL, ADMIN_TOKEN);
    expect(local.setCookie).toMatch(/; HttpOnly/);
    expect(local.setCookie).toMatch(/; SameSite=Strict/);
    expect(local.setCookie).toMatch(/; Path=\/console/);
    expect(local.setCookie).not.toMatch(/; Secure/);
    const remote = await signIn(call, PUBLIC, ADMIN_TOKEN);
    expect(remote.setCookie).toMatch(/; Secure/);
    expect(remote.setCookie).toMatch(/; HttpOnly/);
  });
});

describe("the signed-in console", () => {
  let op: ConsoleClient;
  beforeAll(async () => {
    op = await signIn(call, LOCAL, ADMIN_TOKEN);
  });

  it("renders every page with the strict headers and no secret in it, in English and Arabic", async () => {
    for (const lang of ["en", "ar"]) {
      const switched = await call(`${LOCAL}/console/lang?to=${lang}&back=/console/overview`, { redirect: "manual" });
      const langCookie = switched.headers.get("set-cookie")!.split(";")[0]!;
      for (const s of SECTIONS) {
        const res = await call(`${LOCAL}/console/${s}`, { headers: { cookie: `${op.cookie}; ${langCookie}` } });
        expect(res.status, s).toBe(200);
        expect(res.headers.get("content-security-policy")).toBe(
          "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        );
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("cache-control")).toBe("no-store");
        const html = await res.text();
        expect(html).toContain(`<html lang="${lang}" dir="${lang === "ar" ? "rtl" : "ltr"}">`);
        for (const secret of secrets) expect(html.includes(secret), `${s} shows a secret`).toBe(false);
      }
    }
  });

  it("refuses a POST without the CSRF token, or with another session's, and changes nothing", async () => {
    const other = await signIn(call, LOCAL, ADMIN_TOKEN);
    const foreign = (await other.page("/console/catalog")).csrf!;
    const before = await (await admin("GET", "/audit?limit=1000")).json();
    for (const fields of [{ name: "everything" }, { name: "everything", _csrf: "" }, { name: "everything", _csrf: foreign }] as Record<string, string>[]) {
      const res = await op.post("/console/actions/upstream-refresh", fields);
      expect(res.status).toBe(403);
    }
    expect(await (await admin("GET", "/audit?limit=1000")).json()).toEqual(before);
  });

  it("runs an action as an admin API request, audited as the CLI's would be, and shows the node's refusal", async () => {
    const { csrf } = await op.page("/console/catalog");
    const res = await op.post("/console/actions/upstream-refresh", { _csrf: csrf!, _back: "/console/catalog", name: "no-such-upstream" });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get("location")!, LOCAL);
    expect(back.pathname).toBe("/console/catalog");
    expect(back.searchParams.get("failed")).toBe("no such upstream");
    const shown = await op.page(`${back.pathname}${back.search}`);
    expect(shown.html).toContain("The node refused: no such upstream");
    // The audit entry is written after the answer, as deferred work.
    await eventually(async () => {
      const audit = (await (await admin("GET", "/audit?limit=1000")).json()) as { entries: { action: string; target: string; decision: string }[] };
      expect(audit.entries).toContainEqual(expect.objectContaining({ action: "admin.POST /upstreams/:name/refresh", target: "/upstreams/no-such-upstream/refresh", decision: "error" }));
    }, 5_000);
  });

  it("shows an open alert on the Overview and the Alerts page, and acknowledges it through the admin API", async () => {
    const change = (await recordChange(db, { upstream: "everything", tool: "echo", oldFingerprint: "sha256:old", newFingerprint: "sha256:new", newDefinitionHash: "d-console", newDefinition: { name: "echo" } as never, detectedAt: Date.now() }))!;
    expect((await admin("POST", "/tick")).status).toBe(200);
    const summary = `tool everything/echo changed its definition; approve or reject change ${change.id}`;
    expect((await op.page("/console/overview")).html).toContain(summary);
    const alertsPage = await op.page("/console/alerts");
    expect(alertsPage.html).toContain(summary);
    expect(alertsPage.html).toContain("definition-change");
    const { alerts } = (await (await admin("GET", "/alerts")).json()) as { alerts: { id: number; summary: string; acknowledgedAt: string | null }[] };
    const alert = alerts.find((a) => a.summary === summary)!;
    const res = await op.post("/console/actions/alert-ack", { _csrf: alertsPage.csrf!, _back: "/console/alerts", id: String(alert.id) });
    expect(new URL(res.headers.get("location")!, LOCAL).searchParams.get("done")).toBe("1");
    const after = (await (await admin("GET", "/alerts")).json()) as { alerts: typeof alerts };
    expect(after.alerts.find((a) => a.id === alert.id)?.acknowledgedAt).not.toBeNull();
    await eventually(async () => {
      const audit = (await (await admin("GET", "/audit?action=alert.")).json()) as { entries: { action: string; reason: string }[] };
      expect(audit.entries).toContainEqual(expect.objectContaining({ action: "alert.acknowledge", reason: `alert ${alert.id}` }));
    }, 5_000);
  });

  it("reads the overview's health in one admin request, the same as the five routes it stands for", async () => {
    const get = async <T,>(path: string) => (await (await admin("GET", path)).json()) as T;
    const overview = await get<{ node: unknown; upstreams: { total: number; failing: number }; audit: { ok: boolean; entries: number }; alerts: { id: number }[] }>("/overview");
    const identity = await get<{ id: string; crypto: string }>("/identity");
    const upstreams = await get<{ upstreams: { status: string }[] }>("/upstreams");
    const audit = await get<{ ok: boolean; entries: number }>("/audit/verify");
    const open = await get<{ alerts: { id: number }[] }>("/alerts?state=open");
    expect(overview.node).toEqual({ id: identity.id, crypto: identity.crypto });
    expect(overview.upstreams).toEqual({ total: upstreams.upstreams.length, failing: upstreams.upstreams.filter((u) => u.status !== "ok").length });
    expect(overview.audit.ok).toBe(true);
    // Reading the overview is itself audited after the answer, so the chain can only have grown.
    expect(overview.audit.entries).toBeLessThanOrEqual(audit.entries);
    expect(overview.audit.entries).toBeGreaterThan(0);
    expect(overview.alerts.map((a) => a.id)).toEqual(open.alerts.map((a) => a.id));
  });

  it("shows the audit chain broken while the tick's audit-break alert is open, whatever the overview's own check finds", async () => {
    const overview = async () => ((await (await admin("GET", "/overview")).json()) as { audit: { ok: boolean } }).audit.ok;
    expect(await overview()).toBe(true);
    // What the tick's sweep raises for an older entry changed after the head was verified.
    const [row] = await db.insert(alerts).values({ ruleId: "audit-break", kind: "audit_break", subject: "", severity: "critical", state: "open", summary: "the audit chain breaks at entry 2", details: { brokenAt: 2 }, openKey: "audit-break/", openedAt: Date.now() }).returning();
    try {
      expect(await overview()).toBe(false);
      expect((await op.page("/console/overview")).html).toContain("broken");
    } finally {
      await db.update(alerts).set({ state: "resolved", openKey: null, resolvedAt: Date.now() }).where(eq(alerts.id, row!.id));
    }
    expect(await overview()).toBe(true);
  });

  it("lists a definition change awaiting approval with both fingerprints, and rejects it through the admin API", async () => {
    const change = (await recordChange(db, { upstream: "everything", tool: "add", oldFingerprint: "sha256:add-old", newFingerprint: "sha256:add-new", newDefinitionHash: "d-console-add", newDefinition: { name: "add" } as never, detectedAt: Date.now() }))!;
    const page = await op.page("/console/catalog");
    expect(page.html).toContain("Definition changes awaiting approval");
    const row = page.html.slice(page.html.indexOf("sha256:add-old") - 400, page.html.indexOf("sha256:add-new") + 600);
    expect(row).toContain("sha256:add-new");
    expect(row).toContain(`name="id" value="${change.id}"`);
    const res = await op.post("/console/actions/change-reject", { _csrf: page.csrf!, _back: "/console/catalog", id: String(change.id) });
    expect(new URL(res.headers.get("location")!, LOCAL).searchParams.get("done")).toBe("1");
    const after = (await (await admin("GET", `/tools/changes/${change.id}`)).json()) as { change: { status: string } };
    expect(after.change.status).toBe("rejected");
    expect((await op.page("/console/catalog")).html).not.toContain("sha256:add-old");
    await eventually(async () => {
      const audit = (await (await admin("GET", "/audit?limit=1000")).json()) as { entries: { action: string; decision: string }[] };
      expect(audit.entries).toContainEqual(expect.objectContaining({ action: "admin.POST /tools/changes/:id/reject", decision: "ok" }));
    }, 5_000);
  });

  it("shows the intents declared through the node on the Agents page, from an authenticated admin route", async () => {
    await declareIntent(node.services, "api-token:planner", { need: "translate a contract into Arabic", capabilities: ["translation"], budget: { amount: 40, unit: "EUR" }, expiresInSeconds: 3600 });
    expect((await call(`${LOCAL}/admin/agents/intents`)).status).toBe(401);
    const { intents } = (await (await admin("GET", "/agents/intents")).json()) as { intents: { need: string; principal: string; state: string; budget: unknown }[] };
    expect(intents).toContainEqual(expect.objectContaining({ need: "translate a contract into Arabic", principal: "api-token:planner", state: "open", budget: { amount: 40, unit: "EUR" } }));
    const html = (await op.page("/console/agents")).html;
    expect(html).toContain("Intents declared through this node");
    expect(html).toContain("translate a contract into Arabic");
    expect(html).toContain("api-token:planner");
  });

  it("sends the ledger export as a download", async () => {
    const res = await call(`${LOCAL}/console/ledger/export?format=csv`, { headers: { cookie: op.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="ledger-records.csv"');
    expect((await res.text()).split("\n")[0]).toMatch(/^id,peer,role,status/);
  });

  describe("the Stripe adapter's form on the Ledger page", () => {
    const KEY = "sk_test_consolekey_7d1e93b0c2a4f6e8";
    const NEXT = "rk_test_restricted_c0ffee15beef2026";
    const rows = () => db.select().from(settlementMethods);
    /** Every answer the browser got in these tests: no key may be in any of them. */
    const seen: string[] = [];
    const see = (text: string | null) => {
      seen.push(text ?? "");
      return text ?? "";
    };
    const ledgerPage = async () => {
      const page = await op.page("/console/ledger");
      see(page.html);
      return page;
    };

    it("renders the form: a password input for the key, the optional ids, the CSRF token, and no remove button while unset", async () => {
      const { html, csrf } = await ledgerPage();
      expect(html).toContain("Stripe settlements");
      expect(html).toContain("Not configured");
      const form = html.match(/<form method="post" action="\/console\/actions\/stripe-set".*?<\/form>/s)?.[0];
      expect(form).toBeDefined();
      expect(form).toContain(`name="_csrf" value="${csrf}"`);
      expect(form).toMatch(/<input type="password" name="secretKey" autocomplete="off" required=""\/?>/);
      for (const name of ["customer", "paymentMethod", "destination"]) expect(form).toContain(`name="${name}"`);
      expect(html).not.toContain("/console/actions/stripe-remove");
    });

    it("refuses the form without its CSRF token, or with another session's, and stores nothing", async () => {
      const other = await signIn(call, LOCAL, ADMIN_TOKEN);
      const foreign = (await other.page("/console/ledger")).csrf!;
      for (const token of [undefined, "", foreign]) {
        const res = await op.post("/console/actions/stripe-set", { ...(token === undefined ? {} : { _csrf: token }), _back: "/console/ledger", secretKey: KEY });
        expect(res.status).toBe(403);
        expect(see(await res.text())).toContain("CSRF token is missing or wrong");
      }
      expect(await rows()).toEqual([]);
    });

    it("shows a typed refusal for a key that is not sk_/rk_, or a malformed id, without echoing it, and stores nothing", async () => {
      const { csrf } = await ledgerPage();
      for (const [fields, why] of [
        [{ secretKey: "pk_test_publishable_1234567890" }, "secretKey: a Stripe secret or restricted key"],
        [{ secretKey: KEY, customer: "customer-1" }, "customer: "],
      ] as const) {
        const res = await op.post("/console/actions/stripe-set", { _csrf: csrf!, _back: "/console/ledger", ...fields });
        expect(res.status).toBe(303);
        const location = see(res.headers.get("location"));
        const back = new URL(location, LOCAL);
        expect(back.pathname).toBe("/console/ledger");
        expect(back.searchParams.get("failed")).toContain(`the body does not match the expected shape (${why}`);
        expect(location).not.toContain(fields.secretKey.slice(3));
        const shown = see((await op.page(`${back.pathname}${back.search}`)).html);
        expect(shown).toContain(`The node refused: the body does not match the expected shape (${why}`);
        expect(shown).not.toContain(fields.secretKey.slice(3));
      }
      expect(await rows()).toEqual([]);
    });

    it("sets the key through the admin route: sealed at rest, listed and shown by its last four only", async () => {
      const { csrf } = await ledgerPage();
      const res = await op.post("/console/actions/stripe-set", { _csrf: csrf!, _back: "/console/ledger", secretKey: KEY, customer: "cus_console", paymentMethod: "", destination: "" });
      expect(res.status).toBe(303);
      expect(new URL(see(res.headers.get("location")), LOCAL).searchParams.get("done")).toBe("1");

      const [row] = await rows();
      expect(row).toMatchObject({ method: "stripe", secretLast4: KEY.slice(-4) });
      expect(JSON.parse(row!.settings)).toEqual({ customer: "cus_console" });
      expect(row!.secret).not.toContain(KEY.slice(8));
      // The node builds its adapter from the stored row (stripe-settings.test.ts pays with it).
      const adapter = await node.services.settlement.adapter("stripe");
      expect(adapter).toBeDefined();

      const listed = await (await admin("GET", "/ledger/settlement-methods")).text();
      expect(listed).not.toContain(KEY);
      expect(JSON.parse(listed)).toEqual({ methods: [expect.objectContaining({ method: "stripe", settings: { customer: "cus_console" }, secret: { set: true, last4: KEY.slice(-4) } })] });

      const { html } = await ledgerPage();
      expect(html).toContain(`Secret key: set, ends in ••••${KEY.slice(-4)}`);
      expect(html).toContain("cus_console");
      expect(html).toContain("/console/actions/stripe-remove");
      // The password input is always empty: the page never fills the key back in.
      expect(html).toMatch(/<input type="password" name="secretKey" autocomplete="off" required=""\/?>/);
    });

    it("replaces the key: the newest one's last four are shown", async () => {
      const { csrf } = await ledgerPage();
      const res = await op.post("/console/actions/stripe-set", { _csrf: csrf!, _back: "/console/ledger", secretKey: NEXT });
      expect(new URL(see(res.headers.get("location")), LOCAL).searchParams.get("done")).toBe("1");
      const [row] = await rows();
      expect(row!.secretLast4).toBe(NEXT.slice(-4));
      expect(JSON.parse(row!.settings)).toEqual({});
      const { html } = await ledgerPage();
      expect(html).toContain(`ends in ••••${NEXT.slice(-4)}`);
      expect(html).not.toContain(`••••${KEY.slice(-4)}`);
    });

    it("removes the configuration; removing it again shows the node's not_found", async () => {
      const { csrf } = await ledgerPage();
      const res = await op.post("/console/actions/stripe-remove", { _csrf: csrf!, _back: "/console/ledger" });
      expect(new URL(see(res.headers.get("location")), LOCAL).searchParams.get("done")).toBe("1");
      expect(await rows()).toEqual([]);
      expect(await node.services.settlement.adapter("stripe")).toBeUndefined();
      expect((await ledgerPage()).html).toContain("Not configured");
      const again = await op.post("/console/actions/stripe-remove", { _csrf: csrf!, _back: "/console/ledger" });
      expect(new URL(see(again.headers.get("location")), LOCAL).searchParams.get("failed")).toBe("stripe is not configured");
    });

    it("never put either key in any answer, nor in the node's data folder", () => {
      expect(seen.length).toBeGreaterThan(10);
      for (const text of seen) for (const key of [KEY, NEXT]) expect(text.includes(key)).toBe(false);
      for (const key of [KEY, NEXT]) expect(dataFolderHolds(key)).toEqual([]);
    });
  });

  it("returns only to console pages after an action or a language switch", async () => {
    const { csrf } = await op.page("/console/access");
    const res = await op.post("/console/actions/grant-deny", { _csrf: csrf!, _back: "https://evil.example/x", id: "nope" });
    expect(res.headers.get("location")).toMatch(/^\/console\/overview\?failed=/);
    const lang = await call(`${LOCAL}/console/lang?to=ar&back=//evil.example`, { redirect: "manual" });
    expect(lang.headers.get("location")).toBe("/console/overview");
  });

  it("ends the session on sign-out, for that cookie wherever it is replayed", async () => {
    const session = await signIn(call, LOCAL, ADMIN_TOKEN);
    const { csrf } = await session.page("/console/overview");
    expect((await session.post("/console/signout", { _csrf: csrf! })).status).toBe(303);
    const after = await session.page("/console/overview");
    expect(after.status).toBe(302);
    expect(after.res.headers.get("location")).toBe("/console/signin");
  });

  it("refuses a session cookie another node in the same process has already accepted", async () => {
    const session = await signIn(call, LOCAL, ADMIN_TOKEN);
    expect((await session.page("/console/overview")).status).toBe(200);
    const other = await startLocal({ DATA_DIR: tempDir(), ADMIN_TOKEN, NODE_NAME: "other-node", TICK_SECONDS: "3600" });
    const stranger = await createApp({ config: other.config, db: other.db, platform: { requestScopedIo: false, standingStreams: true, fetch } });
    try {
      const res = await stranger.app.request(`${LOCAL}/console/overview`, { headers: { cookie: session.cookie }, redirect: "manual" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/console/signin");
    } finally {
      await stranger.close();
    }
  });
});

describe("the Catalog and Access pages read one page, with counts", () => {
  type Listing = { tools: { tools: { name: string; shared?: boolean }[]; next: string | null; total: { local: number; peers: number } } };
  const getJson = async <T,>(path: string) => {
    const res = await admin("GET", path);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  it("walks every local tool once, by short name, with the cursor; the page links the next", async () => {
    const tools = Array.from({ length: 57 }, (_, i) => ({ name: `tool_${String(i).padStart(2, "0")}`, inputSchema: { type: "object" as const } }));
    await db.insert(upstreams).values({ name: "paged", kind: "http", url: "http://127.0.0.1:9/mcp" });
    await replaceUpstreamCatalog(db, node.services.nodeId, { name: "paged", prefix: "paged", catalogHash: null }, { tools, resources: [], resourceTemplates: [], prompts: [], serverName: "paged", serverVersion: "1" });
    const all = (await getJson<{ tools: { name: string; origin: unknown }[] }>("/tools")).tools.filter((t) => t.origin === null).map((t) => t.name);
    expect(all).toHaveLength(57);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const listing: Listing = await getJson<Listing>(`/catalog?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(listing.tools.total).toEqual({ local: 57, peers: 0 });
      seen.push(...listing.tools.tools.map((t) => t.name));
      cursor = listing.tools.next;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);

    const op = await signIn(call, LOCAL, ADMIN_TOKEN);
    const first = await op.page("/console/catalog");
    expect(first.html).toContain("57 tools of this node, 0 of peers&#39;");
    const next = first.html.match(/href="(\/console\/catalog\?cursor=[^"]+)"/)?.[1];
    expect(next).toBeDefined();
    const second = await op.page(next!.replaceAll("&amp;", "&"));
    expect(second.html).toContain("<code>paged_tool_25</code>");
    expect(second.html).not.toContain("<code>paged_tool_00</code>");
  });

  it("marks a shared tool as shared, on its page only", async () => {
    const shared = await admin("POST", "/shares", { tool: "paged_tool_03", visibility: "peers" });
    expect(shared.status).toBeLessThan(300);
    const listing = await getJson<Listing>("/catalog?limit=5");
    expect(listing.tools.tools.map((t) => [t.name, t.shared])).toEqual([
      ["paged_tool_00", false],
      ["paged_tool_01", false],
      ["paged_tool_02", false],
      ["paged_tool_03", true],
      ["paged_tool_04", false],
    ]);
  });

  it("pages every Access list with its cursor, in the full list's order, with the counts, and the whole chain's check on request", async () => {
    for (let i = 0; i < 27; i++) expect((await admin("POST", "/tokens", { name: `paged-token-${i}`, roles: ["dev"] })).status).toBe(201);
    // Two rules share a priority and an effect: the id orders them, across a page boundary too.
    for (let i = 0; i < 6; i++) expect((await admin("POST", "/policy/rules", { priority: i < 2 ? 50 : 6 - i, effect: i < 2 ? "deny" : i % 2 ? "allow" : "deny", role: `role-${i}` })).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await admin("POST", "/limits", { tool: `paged_limit_${i}`, windowSeconds: 60, maxRequests: 10 + i })).status).toBe(201);
    type Page = { list: string; rows: Record<string, unknown>[]; next: string | null; total: Record<string, number>; check: { ok: boolean; entries: number; whole: boolean } };
    const walk = async (list: string, limit: number) => {
      const seen: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = await getJson<Page>(`/access?list=${list}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        expect(page.list).toBe(list);
        expect(page.rows.length).toBeLessThanOrEqual(limit);
        seen.push(...page.rows);
        cursor = page.next;
        pages++;
      } while (cursor !== null && pages < 50);
      return { seen, pages };
    };
    const [tokens, rules, limits, clients, grants] = await Promise.all([
      getJson<{ tokens: { id: string }[] }>("/tokens").then((x) => x.tokens),
      getJson<{ rules: { id: string }[] }>("/policy/rules").then((x) => x.rules),
      getJson<{ limits: { id: string }[] }>("/limits").then((x) => x.limits),
      getJson<{ clients: { clientId: string }[] }>("/clients").then((x) => x.clients),
      getJson<{ grants: { id: string }[] }>("/grants").then((x) => x.grants),
    ]);
    const tokenWalk = await walk("tokens", 3);
    expect(tokenWalk.seen.map((t) => t.id)).toEqual(tokens.map((t) => t.id));
    expect(tokenWalk.pages).toBe(Math.ceil(tokens.length / 3));
    expect((await walk("rules", 2)).seen.map((r) => r.id)).toEqual(rules.map((r) => r.id));
    expect((await walk("limits", 2)).seen.map((r) => r.id)).toEqual(limits.map((r) => r.id));
    expect((await walk("clients", 2)).seen.map((r) => r.clientId)).toEqual(clients.map((c) => c.clientId));
    expect((await walk("grants", 2)).seen.map((r) => r.id)).toEqual(grants.map((g) => g.id));
    // The audit trail newest first, each entry once, down to entry 1.
    const audit = (await walk("audit", 40)).seen.map((e) => e.seq as number);
    expect(audit).toEqual([...audit].sort((a, b) => b - a));
    expect(new Set(audit).size).toBe(audit.length);
    expect(audit.at(-1)).toBe(1);

    const first = await getJson<Page>("/access?limit=4");
    expect(first.list).toBe("grants");
    expect(first.total).toMatchObject({ tokens: tokens.length, rules: rules.length, limits: limits.length, clients: clients.length, grants: grants.length });
    expect(first.total.audit).toBeGreaterThanOrEqual(audit.length);
    expect(first.check).toMatchObject({ ok: true, whole: false });
    // A cursor of another list, or one no listing gave, is refused.
    expect((await admin("GET", `/access?list=audit&cursor=${encodeURIComponent((await getJson<Page>("/access?list=tokens&limit=1")).next!)}`)).status).toBe(400);
    expect((await admin("GET", "/access?list=tokens&cursor=bm90LWpzb24")).status).toBe(400);
    expect((await admin("GET", "/access?list=secrets")).status).toBe(400);
    const whole = await getJson<Page>("/access?limit=4&verify=all");
    // Admin writes append their audit entries after answering: the counts are compared loosely.
    expect(whole.check).toMatchObject({ ok: true, whole: true });
    expect(whole.check.entries).toBeGreaterThanOrEqual(first.check.entries);

    const op = await signIn(call, LOCAL, ADMIN_TOKEN);
    const html = (await op.page("/console/access?list=tokens")).html;
    expect(html).toContain('href="/console/access?list=tokens&amp;verify=all"');
    expect(html).toContain(`API tokens (${tokens.length})`);
    expect(html).toContain(tokens[0]!.id);
    const next = html.match(/href="(\/console\/access\?list=tokens&amp;cursor=[^"]+)"/)?.[1];
    expect(next).toBeDefined();
    const second = (await op.page(next!.replaceAll("&amp;", "&"))).html;
    expect(second).toContain(tokens[25]!.id);
    expect(second).not.toContain(tokens[0]!.id);
    expect((await op.page("/console/access?list=tokens&verify=all")).html).not.toContain('href="/console/access?list=tokens&amp;verify=all"');
  });

  it("gives the Ledger page in one read what the six routes it replaces list", async () => {
    const one = await getJson<Record<string, unknown>>("/ledger/summary?limit=50");
    const [balances, records, flags, rounds, invoices, methods] = await Promise.all([
      getJson<{ balances: unknown[] }>("/ledger/balances"),
      getJson<{ records: unknown[] }>("/ledger/records?limit=50"),
      getJson<{ flags: unknown[] }>("/ledger/flags"),
      getJson<{ rounds: unknown[] }>("/clearing/rounds"),
      getJson<{ invoices: unknown[]; next: string | null }>("/ledger/invoices"),
      getJson<{ methods: unknown[] }>("/ledger/settlement-methods"),
    ]);
    expect(one).toEqual({ balances: balances.balances, records: records.records, flags: flags.flags, rounds: rounds.rounds, invoices: invoices.invoices, next: invoices.next, methods: methods.methods });
  });

  it("gives the Calls page in one read the log's page and the overview's per-tool figures", async () => {
    const now = Date.now();
    const outcomes = ["ok", "tool_error", "ok"] as const;
    await insertInvocations(db, outcomes.map((outcome, i) => ({ at: now - i * 1000, caller: "api-token:tok_calls", toolName: `calls_tool_${i % 2}`, toolId: null, upstream: "saas", durationMs: 10 + i, outcome, error: null })));
    const recorder = new MetricsRecorder({ db, defer: () => {}, now: () => now });
    for (const [i, outcome] of outcomes.entries()) {
      recorder.count(METRICS.calls, { tool: `calls_tool_${i % 2}`, peer: "", outcome });
      recorder.observe(METRICS.callDuration, { tool: `calls_tool_${i % 2}`, peer: "" }, 10 + i);
    }
    await recorder.flush();
    const one = await getJson<{ invocations: { toolName: string }[]; windowMinutes: number; perTool: { tool: string; calls: number; errors: number }[]; toolCount: number }>("/invocations/summary?limit=2&caller=api-token:tok_calls&minutes=30");
    const [log, overview] = await Promise.all([getJson<{ invocations: unknown[] }>("/invocations?limit=2&caller=api-token:tok_calls"), getJson<{ calls: { perTool: unknown[] } }>("/overview?minutes=30")]);
    expect(one).toEqual({ invocations: log.invocations, windowMinutes: 30, perTool: overview.calls.perTool, toolCount: overview.calls.perTool.length });
    // The busiest first, as many as asked.
    const top = await getJson<{ perTool: unknown[]; toolCount: number }>("/invocations/summary?limit=1&minutes=30&tools=1");
    expect(top).toMatchObject({ perTool: overview.calls.perTool.slice(0, 1), toolCount: overview.calls.perTool.length });
    expect(one.invocations.map((r) => r.toolName)).toEqual(["calls_tool_0", "calls_tool_1"]);
    // The figures are the current minutes' rollups (the admin clock is in seconds, the figures' in milliseconds).
    expect(one.perTool.filter((t) => t.tool.startsWith("calls_tool_"))).toEqual([
      { tool: "calls_tool_0", calls: 2, errors: 0, p50Ms: expect.any(Number), p99Ms: expect.any(Number) },
      { tool: "calls_tool_1", calls: 1, errors: 1, p50Ms: expect.any(Number), p99Ms: expect.any(Number) },
    ]);
    expect((await admin("GET", "/invocations/summary?outcome=nonsense")).status).toBe(400);
  });

  it("gives the Federation page in one read what the five routes it replaces list", async () => {
    const one = await getJson<Record<string, unknown>>("/federation?minutes=60");
    const [peers, nodes, identity, trust, latency] = await Promise.all([
      getJson<{ peers: unknown[] }>("/peers"),
      getJson<{ nodes: unknown[] }>("/nodes"),
      getJson<{ id: string }>("/identity"),
      getJson<{ scores: unknown[] }>("/trust"),
      getJson<{ windowMinutes: number; peers: unknown[] }>("/overview/peers?minutes=60"),
    ]);
    expect(one).toEqual({ self: identity.id, peers: peers.peers, nodes: nodes.nodes, scores: trust.scores, windowMinutes: latency.windowMinutes, latency: latency.peers });
  });
});

describe("sign-in limits", () => {
  it("locks a source out after repeated wrong secrets, even for the right one", async () => {
    // app.request has no remote address: every attempt comes from the source "unknown".
    // One wrong secret was tried above; the tenth in the window locks the source.
    const refusals: string[] = [];
    for (let i = 0; i < 10; i++) refusals.push(await signIn(call, LOCAL, `wrong guess ${i}`).then(() => "signed in", (e: Error) => e.message));
    expect(refusals).toEqual([...Array<string>(9).fill("sign-in refused: HTTP 401"), "sign-in refused: HTTP 429"]);
    await expect(signIn(call, LOCAL, PASSPHRASE)).rejects.toThrow(/HTTP 429/);
    await expect(signIn(call, LOCAL, ADMIN_TOKEN)).rejects.toThrow(/HTTP 429/);
  });
});
