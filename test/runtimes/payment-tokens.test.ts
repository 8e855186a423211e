// Privacy Pass across runtimes: nodes on Node, Deno and workerd each issue tokens (blind RSA
// signing with the node:crypto raw RSA each entry point passes in, keys sealed in libSQL or D1) and
// each buys from the others (blinding and unblinding); every sale ends as a record confirmed at the
// buyer.
import { afterAll, beforeAll, expect, test } from "vitest";
import { DIRECTORY_PATH, issuerDirectory } from "../../src/protocol/tokens/directory.ts";
import { json, type NodeProc } from "../support/processes.ts";
import { startOnEveryRuntime, type RuntimeName } from "../support/runtimes.ts";

let nodes: Record<RuntimeName, NodeProc>;
const names = ["node", "deno", "workerd"] as const;

beforeAll(async () => {
  nodes = await startOnEveryRuntime();
  for (const [from, to] of [["node", "deno"], ["node", "workerd"], ["deno", "workerd"]] as const) {
    const res = await nodes[from].admin("POST", "/peers", { url: nodes[to].url });
    expect(res.status, `${from} adds ${to}: ${await res.clone().text()}`).toBe(201);
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(Object.values(nodes ?? {}).map((n) => n.stop()));
});

test("each runtime publishes an issuer directory with a 2048-bit key", async () => {
  for (const name of names) {
    const directory = issuerDirectory.parse(await (await fetch(`${nodes[name].url}${DIRECTORY_PATH}`)).json());
    expect(directory["token-keys"], name).toHaveLength(1);
    expect(Buffer.from(directory["token-keys"][0]!["token-key"], "base64url"), name).toHaveLength(342);
  }
}, 60_000);

test("each runtime sells tokens to each other, under a record the buyer holds confirmed", async () => {
  for (const buyer of names) {
    for (const issuer of names.filter((n) => n !== buyer)) {
      const res = await nodes[buyer].admin("POST", "/payment-tokens", { origin: nodes[issuer].nodeId, count: 2 });
      expect(res.status, `${buyer} buys from ${issuer}: ${await res.clone().text()}`).toBe(201);
      const { purchase } = (await res.json()) as { purchase: { recordId: string; count: number } };
      expect(purchase.count).toBe(2);
      const { records } = await json<{ records: { id: string; status: string }[] }>(await nodes[buyer].admin("GET", "/ledger/records"));
      expect(records.find((r) => r.id === purchase.recordId)?.status, `${buyer} from ${issuer}`).toBe("confirmed");
    }
    const { wallet } = await json<{ wallet: { count: number }[] }>(await nodes[buyer].admin("GET", "/payment-tokens"));
    expect(wallet.reduce((n, h) => n + h.count, 0), buyer).toBe(4);
  }
}, 120_000);
