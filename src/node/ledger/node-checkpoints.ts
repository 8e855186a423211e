// The node's LedgerCheckpoints: its own identity signs, checkpoints go over the federation client
// to active peers that agreed on the feature, and the store is the node's database.
import { ledgerCheckpointReply } from "../../protocol/messages/ledger-checkpoint.ts";
import { CHECKPOINTS_FEATURE } from "../../protocol/ledger/suite.ts";
import type { LedgerVerifier } from "../../protocol/ledger/signing.ts";
import type { Database } from "../../store/database.ts";
import { CheckpointRepository } from "../../store/ledger-checkpoints.ts";
import { getPeer } from "../../store/peers.ts";
import type { FederationClient } from "../federation-client/client.ts";
import type { LocalIdentity } from "../identity/local.ts";
import { identitySigner } from "../registry/node-keys.ts";
import type { Config } from "../settings/config.ts";
import { LedgerCheckpoints } from "./checkpoints.ts";
import type { Ledger } from "./ledger.ts";

export function nodeCheckpoints(o: {
  db: Database;
  config: Pick<Config, "checkpointSeconds">;
  identity: LocalIdentity;
  ledger: Ledger;
  verifier: LedgerVerifier;
  federation: FederationClient;
  now: () => number;
}): LedgerCheckpoints {
  return new LedgerCheckpoints({
    self: o.identity.nodeId,
    ledger: o.ledger,
    verifier: o.verifier,
    repository: new CheckpointRepository(o.db, o.identity.nodeId),
    signer: async () => identitySigner(o.identity),
    agreed: async (id) => {
      const peer = await getPeer(o.db, id);
      return peer?.state === "active" && peer.features.includes(CHECKPOINTS_FEATURE);
    },
    send: (peer, request) => o.federation.callActive(peer, "ledger-checkpoint", request, ledgerCheckpointReply),
    checkpointSeconds: o.config.checkpointSeconds,
    now: o.now,
  });
}
