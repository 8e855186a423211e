// Invoices on the other runtimes: a node under Deno and one under workerd each peer with a node
// under Node, issue an invoice to it and render it as HTML and as PDF (pdf-lib, pure JavaScript),
// which pdf-lib under Node loads back. Both embed DejaVu Sans through fontkit 2 (Deno: from
// node_modules; workerd: bundled), so a Cyrillic party and an Arabic invoice are written, and the
// text is read back through the fonts' ToUnicode maps, Arabic shaped. Both draw Chinese and Korean
// too (Noto Sans SC and KR: from node_modules on Deno, fetched through the static assets binding on
// workerd).
import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Invoice } from "../../src/node/money/invoices.ts";
import { freePort, json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { startDenoNode, startWorkerd } from "../support/runtimes.ts";
import { LABELS } from "../../src/node/money/labels.ts";
import { inDrawingOrder, inReadingOrder, shown } from "../support/pdf-text.ts";

let peer: NodeProc;
const nodes: Partial<Record<"deno" | "workerd", NodeProc>> = {};

beforeAll(async () => {
  const denoPort = await freePort();
  [peer, nodes.deno, nodes.workerd] = await Promise.all([
    loopbackNode("peer", { env: { PEER_POLICY: "open" } }),
    startDenoNode({ port: denoPort, env: { NODE_NAME: "on-deno", PUBLIC_URL: `http://127.0.0.1:${denoPort}`, PEER_POLICY: "open" } }),
    startWorkerd({ env: { NODE_NAME: "on-workerd", PEER_POLICY: "open" } }),
  ]);
}, 150_000);

afterAll(async () => {
  await Promise.all([peer, nodes.deno, nodes.workerd].map((n) => n?.stop()));
});

describe.each(["deno", "workerd"] as const)("on %s", (runtime) => {
  it("issues an invoice and renders it as HTML and PDF", async () => {
    const n = nodes[runtime]!;
    await json(await n.admin("POST", "/peers", { url: peer.url }));
    const address = "Москва, улица Тверская 7\nشارع الملك فهد 12\n上海市\n서울 세종대로 110";
    expect((await n.admin("PUT", "/ledger/billing", { legalName: `Operator on ${runtime}`, address, taxes: [{ name: "VAT", percent: "19" }] })).status).toBe(200);
    const period = new Date().toISOString().slice(0, 7);
    const { invoice } = await json<{ invoice: Invoice }>(await n.admin("POST", "/ledger/invoices", { peer: peer.nodeId, period }));
    expect(invoice).toMatchObject({ number: 1, seller: { legalName: `Operator on ${runtime}` }, buyer: { node: peer.nodeId, name: "peer" }, lines: [], totals: [] });
    const html = await (await n.admin("GET", "/ledger/invoices/1?format=html&lang=ar")).text();
    expect(html).toMatch(/<html lang="ar" dir="rtl">/);
    const res = await n.admin("GET", "/ledger/invoices/1?format=pdf&lang=de");
    expect(res.headers.get("content-type")).toBe("application/pdf");
    const bytes = new Uint8Array(await res.arrayBuffer());
    const doc = await PDFDocument.load(bytes);
    expect(doc.getTitle()).toBe("Rechnung INV-000001");
    expect(doc.getPageCount()).toBe(1);
    // The Cyrillic address line is written, not "?" (the standard fonts' fallback).
    const german = (await shown(bytes)).map(inDrawingOrder);
    expect(german).toContain(`${LABELS.de.invoice} INV-000001`);
    expect(german).toContain("Москва, улица Тверская 7");
    // CJK and Hangul on every runtime: on workerd from the assets, not the Worker's bundle.
    expect(german).toContain("上海市");
    expect(german).toContain("서울");
    expect(german).toContain("세종대로");
    const arabic = await n.admin("GET", "/ledger/invoices/1?format=pdf&lang=ar");
    expect(arabic.status).toBe(200);
    const runs = await shown(new Uint8Array(await arabic.arrayBuffer()));
    const reading = runs.map((r) => inReadingOrder(r).trim());
    expect(reading).toContain(LABELS.ar.invoice);
    // Shaped (fontkit's Arabic shaper, which fontkit 1 lost on Deno): in "الملك" the two lams
    // are an initial and a medial form, two glyphs for one letter.
    const street = runs.find((r) => r.glyphs.filter((g) => g === "ل").length === 2 && r.glyphs.includes("ش"))!;
    const lams = [...street.glyphs.entries()].filter(([, g]) => g === "ل").map(([i]) => street.codes[i]);
    expect(new Set(lams).size).toBe(2);
  }, 60_000);
});
