// The console in a real browser (Debian's chromium through playwright-core) against real nodes:
// alpha fronts server-everything, and the same server again as a strict upstream whose tools wait
// for approval; bravo and charlie asked to peer with it. The operator signs in, approves a peer and
// gives it an alias, approves a definition change, shares a tool, sees a call, exports the ledger
// and approves a grant: once in English, once in Arabic (right to left). Bravo shares a tool in two
// versions; the operator pins alpha's catalog to the older one. axe-core checks every page in both languages; every
// page is screenshotted to test-artifacts/console/.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityProblems, launchChromium } from "../support/browser.ts";
import { connect } from "../support/mcp.ts";
import { withEverything } from "../support/node-with-everything.ts";
import { ADMIN_TOKEN, eventually, json, loopbackNode, ROOT, type NodeProc, type Upstream } from "../support/processes.ts";

const SHOTS = join(ROOT, "test-artifacts/console");
const SECTIONS = ["overview", "alerts", "catalog", "federation", "calls", "ledger", "access", "agents"] as const;

const TEXT = {
  en: { secret: "Admin token or consent passphrase", signIn: "Sign in", approve: "Approve", alias: "Set alias", pin: "Pin", share: "Share", visibility: (t: string) => `Visibility of ${t}`, csv: "Export records (CSV)", switchTo: "English" },
  ar: { secret: "رمز المسؤول أو عبارة الموافقة", signIn: "دخول", approve: "موافقة", alias: "تعيين اسم مستعار", pin: "تثبيت", share: "مشاركة", visibility: (t: string) => `ظهور ${t}`, csv: "تصدير القيود (CSV)", switchTo: "العربية" },
} as const;
type Lang = keyof typeof TEXT;

let everything: Upstream;
let alpha: NodeProc;
let bravo: NodeProc;
let charlie: NodeProc;
let browser: Browser;
let caller: Client;
const cspViolations: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ node: alpha, everything } = await withEverything(loopbackNode("alpha", { env: { AUTHLESS: "false" } })));
  bravo = await loopbackNode("bravo", { env: { PEER_POLICY: "open" } });
  charlie = await loopbackNode("charlie", { env: { PEER_POLICY: "open" } });
  for (const n of [bravo, charlie]) await json(await n.admin("POST", "/peers", { url: alpha.url }));
  // A peer's tool in two live versions, for the version pin: bravo shares echo as 1.0.0 and as 2.0.0 (labelled).
  await json(await bravo.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url }));
  await json(await bravo.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", version: "1.0.0" }));
  await json(await bravo.admin("POST", "/shares", { tool: "everything_echo", visibility: "peers", version: "2.0.0", label: "next" }));
  // A strict upstream: each of its tools is a definition change awaiting the operator's approval.
  await json(await alpha.admin("POST", "/upstreams", { name: "strict", kind: "http", url: everything.url, pins: "strict" }));
  // Calls of get-sum need a grant: a caller asks for one and the operator decides.
  await json(await alpha.admin("POST", "/policy/rules", { effect: "grant", tool: "everything_get-sum" }));
  const { secret } = await json<{ secret: string }>(await alpha.admin("POST", "/tokens", { name: "report-bot" }));
  caller = await connect(alpha.mcpUrl, { authorization: `Bearer ${secret}` });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await caller?.close();
  await browser?.close();
  await Promise.all([alpha, bravo, charlie, everything].map((n) => n?.stop()));
});

async function newPage(): Promise<Page> {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return page;
}

async function checkAndShoot(page: Page, name: string): Promise<void> {
  expect(await accessibilityProblems(page), name).toEqual([]);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function requestGrant(): Promise<string> {
  const asked = await caller.callTool({ name: "request_permission", arguments: { agent_id: "report-bot", resource: "everything_get-sum", justification: "adds up" } });
  return (asked.structuredContent as { request_id: string }).request_id;
}

async function operatorFlow(lang: Lang, peer: NodeProc, tool: string, changed: string): Promise<void> {
  const t = TEXT[lang];
  const page = await newPage();
  // The landing page first, then the console, which asks to sign in.
  await page.goto(`${alpha.url}/`);
  if (lang === "ar") await page.getByRole("link", { name: t.switchTo }).click();
  await expect.poll(() => page.locator("html").getAttribute("dir")).toBe(lang === "ar" ? "rtl" : "ltr");
  await checkAndShoot(page, `${lang}-landing`);
  await page.goto(`${alpha.url}/console`);
  expect(new URL(page.url()).pathname).toBe("/console/signin");
  await checkAndShoot(page, `${lang}-signin`);
  await page.getByLabel(t.secret).fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: t.signIn }).click();
  await page.waitForURL(/\/console\/overview$/);

  // Approve the peer.
  await page.goto(`${alpha.url}/console/federation`);
  await page.getByRole("row", { name: new RegExp(peer.nodeId) }).getByRole("button", { name: t.approve }).click();
  await page.waitForURL(/done=1/);
  expect((await json<{ peer: { state: string } }>(await alpha.admin("GET", `/peers/${peer.nodeId}`))).peer.state).toBe("active");

  // Give it an alias.
  const alias = `${lang}-friend`;
  await page.goto(`${alpha.url}/console/federation`);
  const peerRow = page.getByRole("row", { name: new RegExp(peer.nodeId) });
  await peerRow.getByRole("textbox").fill(alias);
  await peerRow.getByRole("button", { name: t.alias }).click();
  await page.waitForURL(/done=1/);
  expect((await json<{ peer: { alias: string | null } }>(await alpha.admin("GET", `/peers/${peer.nodeId}`))).peer.alias).toBe(alias);

  // Approve the strict upstream's definition of the tool.
  await page.goto(`${alpha.url}/console/catalog`);
  await page.getByRole("row", { name: new RegExp(`^strict ${changed}\\b`) }).getByRole("button", { name: t.approve }).click();
  await page.waitForURL(/done=1/);
  const approved = await json<{ changes: { upstream: string; tool: string }[] }>(await alpha.admin("GET", "/tools/changes?status=approved"));
  expect(approved.changes.map((c) => `${c.upstream}/${c.tool}`)).toContain(`strict/${changed}`);

  // Pin a tool (listed in search mode), then share it with peers.
  await page.goto(`${alpha.url}/console/catalog`);
  const row = page.getByRole("row", { name: new RegExp(`^${tool}\\b`) });
  await row.getByRole("button", { name: t.pin, exact: true }).click();
  await page.waitForURL(/done=1/);
  const listed = await json<{ tools: { name: string; pinned: boolean }[] }>(await alpha.admin("GET", "/tools"));
  expect(listed.tools.find((x) => x.name === tool)?.pinned).toBe(true);
  await page.goto(`${alpha.url}/console/catalog`);
  await row.getByLabel(t.visibility(tool)).selectOption("peers");
  await row.getByRole("button", { name: t.share }).click();
  await page.waitForURL(/done=1/);
  const shares = await json<{ shares: { key: string; visibility: string; tombstone: boolean }[] }>(await alpha.admin("GET", "/shares"));
  expect(shares.shares.filter((s) => !s.tombstone).map((s) => `${s.key} ${s.visibility}`)).toContain(`everything/${tool.replace(/^everything_/, "")} peers`);

  // A call appears in Calls.
  const marker = `console-${lang}`;
  await caller.callTool({ name: "everything_echo", arguments: { message: marker } });
  await eventually(async () => {
    await page.goto(`${alpha.url}/console/calls?tool=everything_echo`);
    expect(await page.getByRole("cell", { name: "everything_echo" }).count()).toBeGreaterThan(0);
  }, 10_000);

  // Export the ledger.
  await page.goto(`${alpha.url}/console/ledger`);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: t.csv }).click()]);
  expect(download.suggestedFilename()).toBe("ledger-records.csv");
  expect(readFileSync((await download.path())!, "utf8").split("\n")[0]).toMatch(/^id,peer,role,status/);

  // Approve a grant.
  const grant = await requestGrant();
  await page.goto(`${alpha.url}/console/access`);
  await page.getByRole("row", { name: new RegExp(grant) }).getByRole("button", { name: t.approve }).click();
  await page.waitForURL(/done=1/);
  const grants = await json<{ grants: { id: string; status: string }[] }>(await alpha.admin("GET", "/grants"));
  expect(grants.grants.find((g) => g.id === grant)?.status).toBe("active");

  for (const s of SECTIONS) {
    await page.goto(`${alpha.url}/console/${s}`);
    expect(await page.locator("html").getAttribute("lang")).toBe(lang);
    await checkAndShoot(page, `${lang}-${s}`);
  }
  await page.context().close();
}

describe("the console in a browser", () => {
  it("signs in, approves and aliases a peer, approves a definition change, shares a tool, shows a call, exports the ledger and approves a grant, in English", async () => {
    await operatorFlow("en", bravo, "everything_echo", "echo");
  }, 180_000);

  it("pins a peer's tool to an older version from the Catalog page, and the catalog lists that version", async () => {
    type Listed = { tools: { tools: { name: string; id: string; origin: { id: string } | null; version?: string; versions?: string[]; versionPinned?: boolean }[] } };
    const peerTool = async () => (await json<Listed>(await alpha.admin("GET", "/catalog"))).tools.tools.find((x) => x.origin?.id === bravo.nodeId && x.versions?.length === 2);
    // Bravo's shares reach alpha by gossip once alpha approved bravo (the English flow above).
    const listed = await eventually(async () => {
      await alpha.admin("POST", "/tick");
      const found = await peerTool();
      expect(found).toBeDefined();
      return found!;
    }, 30_000);
    expect(listed).toMatchObject({ version: "2.0.0", versions: ["2.0.0", "1.0.0"], versionPinned: false, id: `${bravo.nodeId}/everything/echo@next` });
    const page = await newPage();
    await page.goto(`${alpha.url}/console/signin`);
    await page.getByLabel(TEXT.en.secret).fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: TEXT.en.signIn }).click();
    await page.waitForURL(/\/console\/overview$/);
    await page.goto(`${alpha.url}/console/catalog`);
    const row = page.getByRole("row", { name: new RegExp(`^${listed.name}\\b`) });
    await row.getByLabel(`Version of ${listed.name} to pin`).selectOption("1.0.0");
    await row.getByRole("button", { name: "Pin version" }).click();
    await page.waitForURL(/done=1/);
    const pins = await json<{ pins: { origin: string; tool: string; version: string }[] }>(await alpha.admin("GET", "/registry/pins"));
    expect(pins.pins).toContainEqual(expect.objectContaining({ origin: bravo.nodeId, tool: "everything/echo", version: "1.0.0" }));
    // In effect: the catalog lists the pinned version's entry, under the same name.
    expect(await peerTool()).toMatchObject({ name: listed.name, version: "1.0.0", versionPinned: true, id: `${bravo.nodeId}/everything/echo` });
    const tools = await json<{ tools: { name: string; id: string }[] }>(await alpha.admin("GET", "/tools"));
    expect(tools.tools.find((x) => x.name === listed.name)?.id).toBe(`${bravo.nodeId}/everything/echo`);
    await expect.poll(() => page.getByRole("row", { name: new RegExp(`^${listed.name}\\b`) }).getByRole("cell", { name: "1.0.0", exact: true }).count()).toBe(1);
    await checkAndShoot(page, "en-catalog-version-pinned");
    await page.context().close();
  }, 120_000);

  it("does the same in Arabic, right to left", async () => {
    await operatorFlow("ar", charlie, "everything_get-sum", "get-sum");
  }, 180_000);

  it("the console's actions are in the audit trail as admin requests", async () => {
    const audit = await json<{ entries: { action: string; decision: string }[] }>(await alpha.admin("GET", "/audit?limit=200"));
    const actions = audit.entries.map((e) => `${e.action} ${e.decision}`);
    for (const a of ["admin.POST /peers/:id/approve ok", "admin.PATCH /peers/:id ok", "admin.POST /tools/changes/:id/approve ok", "admin.POST /shares ok", "admin.POST /grants/:id/approve ok", "admin.PUT /registry/pins ok"]) expect(actions).toContain(a);
  });

  it("broke no Content-Security-Policy rule on any page", () => {
    expect(cspViolations).toEqual([]);
  });
});
