// In-process ledger nodes for tests: an Ed25519 identity, a real libSQL file that survives a
// "restart", a Ledger, and a reconciler whose transport calls the other node directly.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ledger } from "../../src/node/ledger/ledger.ts";
import { LedgerReconciler, type LedgerHandlers, type LedgerTransport } from "../../src/node/ledger/reconciliation.ts";
import { LedgerRepository } from "../../src/store/ledger.ts";
import type { LedgerSigner, LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import type { Database } from "../../src/store/database.ts";
import { openDatabaseFile, type TestDatabase } from "./libsql.ts";

export interface LedgerNode {
  id: string;
  signer: LedgerSigner;
  ledger: Ledger;
  reconciler: LedgerReconciler;
  /** The node's database, for tests that damage it behind the ledger's back. */
  db(): Database;
  /** Closes the database and opens it again, as a node restart would. */
  restart(): Promise<void>;
  close(): void;
}

/** Routes each call to the named node's handlers (one directory shared by all nodes), as the federation routes will. */
export class InProcessLedgerNetwork implements LedgerTransport {
  constructor(
    private readonly self: string,
    private readonly nodes: Map<string, LedgerHandlers>,
  ) {}
  reconcile: LedgerTransport["reconcile"] = (peer, request) => this.#node(peer).onReconcile(this.self, structuredClone(request));
  transfer: LedgerTransport["transfer"] = (peer, request) => this.#node(peer).onTransfer(this.self, structuredClone(request));
  #node(peer: string): LedgerHandlers {
    const n = this.nodes.get(peer);
    if (!n) throw new Error(`unreachable: ${peer}`);
    return n;
  }
}

export async function ledgerNode(signer: LedgerSigner, verifier: LedgerVerifier, directory: Map<string, LedgerHandlers>): Promise<LedgerNode> {
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-ledger-"));
  const file = join(dir, "node.db");
  let database: TestDatabase = await openDatabaseFile(file);
  const network = new InProcessLedgerNetwork(signer.nodeId, directory);
  const node: LedgerNode = {
    id: signer.nodeId,
    signer,
    ledger: undefined as unknown as Ledger,
    reconciler: undefined as unknown as LedgerReconciler,
    db: () => database.db,
    async restart() {
      database.close();
      database = await openDatabaseFile(file);
      build();
    },
    close() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const build = () => {
    node.ledger = new Ledger({ self: signer.nodeId, verifier, repository: new LedgerRepository(database.db, signer.nodeId) });
    node.reconciler = new LedgerReconciler(node.ledger, network, { branching: 4, idListMax: 4, frameBytes: 256 * 1024 });
    directory.set(signer.nodeId, node.reconciler);
  };
  build();
  return node;
}
