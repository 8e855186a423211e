// Strong consistency's parts, put together on this node's identity, store and federation client.
import type { LedgerVerifier } from "../../protocol/ledger/signing.ts";
import { strongAppendRequest, strongAppendResult, strongForwardRequest, strongForwardResult, strongNamespaceRequest, strongNamespaceResult } from "../../protocol/messages/blackboard-strong.ts";
import type { HybridClock } from "../../protocol/registry/hlc.ts";
import type { z } from "zod";
import { BlackboardStore } from "../../store/blackboard.ts";
import { StrongLogRepository } from "../../store/blackboard-strong-log.ts";
import type { Database } from "../../store/database.ts";
import type { FederationClient } from "../federation-client/client.ts";
import type { LocalIdentity } from "../identity/local.ts";
import { identitySigner } from "../registry/node-keys.ts";
import type { StrongHome } from "../settings/platform.ts";
import { StrongBlackboard } from "./strong.ts";
import { StrongNamespaces } from "./strong-namespaces.ts";

/** The home waits this long for a majority before it drops an entry and answers `unavailable`. */
const ACK_TIMEOUT_MS = 3000;

export function strongBlackboard(o: { db: Database; own: LocalIdentity; keys: LedgerVerifier; federation: FederationClient; clock: HybridClock; home?: StrongHome | undefined }) {
  const signer = identitySigner(o.own);
  const self = o.own.nodeId;
  const keyOf = (node: string) => o.keys.keyOf(node);
  const namespaces = new StrongNamespaces({
    self,
    signer,
    keyOf,
    store: new BlackboardStore(o.db),
    clock: o.clock,
    send: async (replica, descriptor) =>
      (await o.federation.callActive(replica, "blackboard-namespace", { type: "blackboard-namespace", descriptor } satisfies z.infer<typeof strongNamespaceRequest>, strongNamespaceResult)).stored,
  });
  const board = new StrongBlackboard({
    self,
    signer,
    keyOf,
    replicasOf: (namespace) => namespaces.replicasOf(namespace),
    append: (replica, entry) => o.federation.callActive(replica, "blackboard-append", { type: "blackboard-append", entry } satisfies z.infer<typeof strongAppendRequest>, strongAppendResult),
    forward: async (home, namespace, key, op) =>
      (await o.federation.callActive(home, "blackboard-strong", { type: "blackboard-strong", namespace, key, op } satisfies z.infer<typeof strongForwardRequest>, strongForwardResult)).outcome,
    log: new StrongLogRepository(o.db),
    clock: o.clock,
    ackTimeoutMs: ACK_TIMEOUT_MS,
    home: o.home,
  });
  return { board, namespaces };
}
