// Invoice PDFs on workerd (wrangler dev from tools/, local assets): the time of a PDF as the admin
// API answers it, for a Latin invoice (DejaVu, bundled) and one with Chinese and Korean (Noto Sans
// SC and KR, fetched through the FONT_ASSETS binding at the isolate's first such PDF, then kept).
// Each of BENCH_RUNS (3) runs starts a fresh workerd, so its first PDFs are cold; warm figures are
// medians of BENCH_WARM (5) more. Prints one JSON line per run and one summary line.
//   npm run bench:invoice-pdf-workerd
import { loadavg } from "node:os";
import { json, loopbackNode, type NodeProc } from "../../test/support/processes.ts";
import { startWorkerd } from "../../test/support/runtimes.ts";
import { machine, median } from "./lib.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARM = Number(process.env.BENCH_WARM ?? 5);
const ms = (x: number) => Math.round(x);

async function pdfMs(n: NodeProc, invoice: number): Promise<number> {
  const t = performance.now();
  const res = await n.admin("GET", `/ledger/invoices/${invoice}?format=pdf&lang=en`);
  if (res.status !== 200) throw new Error(`invoice ${invoice}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return performance.now() - t;
}

const peer = await loopbackNode("peer", { env: { PEER_POLICY: "open" } });
const runs: { firstLatin: number; warmLatin: number; firstCjk: number; warmCjk: number }[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const n = await startWorkerd({ env: { NODE_NAME: "on-workerd" } });
    try {
      await json(await n.admin("POST", "/peers", { url: peer.url }));
      // Details are copied into an invoice at issue: one Latin invoice, then one with Han and Hangul.
      await json(await n.admin("PUT", "/ledger/billing", { legalName: "Operator GmbH", address: "Hauptstraße 1\nBerlin" }));
      await json(await n.admin("POST", "/ledger/invoices", { peer: peer.nodeId, period: "2026-10" }));
      await json(await n.admin("PUT", "/ledger/billing", { legalName: "上海数据科技有限公司", address: "上海市\n서울 세종대로 110" }));
      await json(await n.admin("POST", "/ledger/invoices", { peer: peer.nodeId, period: "2026-11" }));
      const firstLatin = await pdfMs(n, 1);
      const latin: number[] = [];
      for (let i = 0; i < WARM; i++) latin.push(await pdfMs(n, 1));
      const firstCjk = await pdfMs(n, 2);
      const cjk: number[] = [];
      for (let i = 0; i < WARM; i++) cjk.push(await pdfMs(n, 2));
      const r = { firstLatin, warmLatin: median(latin), firstCjk, warmCjk: median(cjk) };
      runs.push(r);
      console.log(JSON.stringify({ run, load: loadavg()[0]!.toFixed(1), ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, ms(v)])) }));
    } finally {
      await n.stop();
    }
  }
} finally {
  await peer.stop();
}
const of = (k: keyof (typeof runs)[number]) => ms(median(runs.map((r) => r[k])));
console.log(JSON.stringify({ machine: machine(), runs: RUNS, medianMs: { firstLatin: of("firstLatin"), warmLatin: of("warmLatin"), firstCjk: of("firstCjk"), warmCjk: of("warmCjk") } }));
