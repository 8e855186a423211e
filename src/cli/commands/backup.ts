// Commands for backups (docs/protocol.md §19.1): take one, list and fetch the scheduled ones,
// restore one, compare table hashes. Thin clients of the admin API (src/http/admin/backup.ts).
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { readLocalFile, saveLocalFile } from "../framework/local-files.ts";
import { table } from "../framework/format.ts";
import { str } from "../framework/option-values.ts";

interface TableHash {
  name: string;
  rows: number;
  sha256: string;
}

interface Deposit {
  holder: string;
  seq?: number;
  copies?: number;
  heldBytes?: number;
  error?: { code: string; message: string };
}

const hashTable = (tables: TableHash[]) => table(["TABLE", "ROWS", "SHA-256"], tables.map((t) => [t.name, String(t.rows), t.sha256]));

export const backupCommands: Command[] = [
  {
    name: "backup",
    usage: "[--out FILE]",
    summary: "write a backup of everything the node keeps: one file, encrypted under NODE_SEED and signed by the node",
    details: "Restore it with `mcpfed restore FILE` on a node started with the same NODE_SEED, on any runtime and store.",
    options: { out: { type: "string", value: "file", help: "where to write it (default: mcpfed-<node>-<time>.backup here)" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const bytes = await ctx.api.requestBytes("GET", "/backup");
      const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as { nodeId: string; created: number; tables: TableHash[] };
      const out = str(o.out) ?? `mcpfed-${header.nodeId.slice(0, 8)}-${header.created}.backup`;
      saveLocalFile(out, bytes);
      const rows = header.tables.reduce((n, t) => n + t.rows, 0);
      show(ctx, { file: out, bytes: bytes.length, tables: header.tables }, () => `wrote ${out}: ${bytes.length} bytes, ${header.tables.length} tables, ${rows} rows`);
    },
  },
  {
    name: "backup list",
    summary: "list the backups the tick kept (BACKUP_SCHEDULE)",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ backups: { id: string; created: number; bytes: number }[] }>("GET", "/backups");
      show(ctx, body, (b) => (b.backups.length ? table(["ID", "CREATED", "BYTES"], b.backups.map((k) => [k.id, new Date(k.created * 1000).toISOString(), String(k.bytes)])) : "no kept backups"));
    },
  },
  {
    name: "backup get",
    usage: "<id> --out FILE",
    summary: "download a backup the tick kept",
    options: { out: { type: "string", value: "file", help: "where to write it" } },
    min: 1,
    max: 1,
    run: async (ctx, [id], o) => {
      const out = str(o.out);
      if (!out) throw new UsageError("give --out FILE");
      const bytes = await ctx.api.requestBytes("GET", `/backups/${seg(id!)}`);
      saveLocalFile(out, bytes);
      ctx.warn(`wrote ${out}: ${bytes.length} bytes`);
    },
  },
  {
    name: "backup hashes",
    summary: "print each backed-up table's row count and SHA-256, to compare two nodes after a restore",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ tables: TableHash[] }>("GET", "/backup/hashes");
      show(ctx, body, (b) => hashTable(b.tables));
    },
  },
  {
    name: "restore",
    usage: "<file> [--replace]",
    summary: "restore a backup on this node: it must have the NODE_SEED the backup was made with",
    details:
      "The node opens the file chunk by chunk as it arrives and stages its rows; only once every chunk, every table's hash and the signature have passed does it replace every backed-up table, in one batch. A node that already holds data refuses unless --replace. Restart the node afterwards, so that every process reads the restored state.",
    options: { replace: { type: "boolean", help: "replace the data this node holds" } },
    min: 1,
    max: 1,
    run: async (ctx, [file], o) => {
      const bytes = readLocalFile(file!);
      const body = await ctx.api.request<{ restored: { nodeId: string; created: number; tables: TableHash[] } }>("POST", `/restore${o.replace ? "?replace=true" : ""}`, bytes);
      show(ctx, body, (b) =>
        [`restored the backup of ${b.restored.nodeId} made ${new Date(b.restored.created * 1000).toISOString()}: ${b.restored.tables.reduce((n, t) => n + t.rows, 0)} rows`, hashTable(b.restored.tables.filter((t) => t.rows > 0))].join("\n"),
      );
    },
  },
  {
    name: "backup deposit",
    summary: "take a backup now and deposit it at the peers BACKUP_PEERS names (docs/protocol.md §19.2)",
    details: "Each holder keeps the sealed file and the size it was told; it cannot open it. Recover with `mcpfed recover --from-peers URL` on a node that has only this NODE_SEED.",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ id: string; bytes: number; deposits: Deposit[] }>("POST", "/backup/deposit");
      show(ctx, body, (b) =>
        [`backup ${b.id}: ${b.bytes} bytes`, table(["HOLDER", "OUTCOME"], b.deposits.map((d) => [d.holder, d.error ? `refused: ${d.error.code}: ${d.error.message}` : `kept (seq ${d.seq}; ${d.copies} copies, ${d.heldBytes} bytes held)`]))].join("\n"),
      );
    },
  },
  {
    name: "backup held",
    summary: "list the backups this node holds for peers (BACKUP_HOLD_MAX_BYTES): sizes and times only",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ held: { depositor: string; copies: number; bytes: number; newestReceived: number }[] }>("GET", "/backup/held");
      show(ctx, body, (b) =>
        b.held.length ? table(["DEPOSITOR", "COPIES", "BYTES", "NEWEST"], b.held.map((h) => [h.depositor, String(h.copies), String(h.bytes), new Date(h.newestReceived * 1000).toISOString()])) : "no backups held for peers",
      );
    },
  },
  {
    name: "recover",
    usage: "--from-peers URL [--from-peers URL…]",
    summary: "recover a node that has only its NODE_SEED from the backups its peers hold, then its ledger from their records",
    details:
      "Run it against a fresh node started with the lost node's NODE_SEED. Each peer URL is asked for this node's newest copy; the newest one that verifies under this node's key is restored, then the ledger is reconciled with every restored peer. Restart the node afterwards.",
    options: { "from-peers": { type: "string", multiple: true, value: "url", help: "a peer's base URL (repeatable)" } },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const peers = o["from-peers"];
      if (!Array.isArray(peers) || peers.length === 0) throw new UsageError("give --from-peers URL, once per peer that holds this node's backup");
      const body = await ctx.api.request<{ copies: { url: string; holder?: string; created?: number; restored?: true; error?: { code: string; message: string } }[]; restored: { created: number; tables: TableHash[] }; ledger: { peer: string; reconciled?: { received: number }; error?: string }[] }>("POST", "/recover", { peers });
      show(ctx, body, (b) =>
        [
          table(["PEER", "COPY"], b.copies.map((c) => [c.url, c.restored ? `restored (made ${new Date(c.created! * 1000).toISOString()})` : c.error ? `${c.error.code}: ${c.error.message}` : `older (made ${new Date(c.created! * 1000).toISOString()})`])),
          `restored ${b.restored.tables.reduce((n, t) => n + t.rows, 0)} rows`,
          ...b.ledger.map((l) => (l.error ? `ledger with ${l.peer}: ${l.error}` : `ledger with ${l.peer}: ${l.reconciled!.received} records received`)),
          "restart the node now, so that every process reads the restored state",
        ].join("\n"),
      );
    },
  },
];
