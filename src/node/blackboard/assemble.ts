// The blackboard's parts, built once per node: the store, the board, its replication over the
// federation, and session tokens on top.
import type { LedgerSigner, LedgerVerifier } from "../../protocol/ledger/signing.ts";
import { BlackboardStore } from "../../store/blackboard.ts";
import type { Database } from "../../store/database.ts";
import { listPeers } from "../../store/peers.ts";
import type { FederationClient } from "../federation-client/client.ts";
import type { Services } from "../services.ts";
import { Blackboard } from "./board.ts";
import { BlackboardReplication, envelopeBlackboardTransport } from "./replication.ts";
import { BlackboardSessions } from "./sessions.ts";

/** How long a session request waits for its token's version to arrive before `retry`. */
export const SESSION_FETCH_WAIT_MS = 2000;

export function assembleBlackboard(o: { db: Database; self: string; signer: LedgerSigner; keys: LedgerVerifier; federation: FederationClient; later: (work: Promise<unknown>) => void }): Services["blackboard"] {
  const board = new Blackboard({ self: o.self, store: new BlackboardStore(o.db), signer: o.signer, keys: o.keys });
  const replication = new BlackboardReplication({
    board,
    transport: envelopeBlackboardTransport(o.federation),
    activePeers: async () => (await listPeers(o.db)).filter((p) => p.state === "active").map((p) => p.nodeId),
    later: o.later,
  });
  const sessions = new BlackboardSessions({ board, signer: o.signer, keys: o.keys, fetch: (namespace, peer) => replication.repair(namespace, peer), fetchWaitMs: SESSION_FETCH_WAIT_MS });
  return { board, replication, sessions };
}
