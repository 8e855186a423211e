// What a node's clearing rounds need of the node: its keys, its store, its ledger and a way to
// reach the other participants. Narrow, so that a test can build one over real parts.
import type { z } from "zod";
import type { ClearingRequest } from "../../protocol/clearing/messages.ts";
import type { Obligation } from "../../protocol/clearing/submission.ts";
import type { EntrySigner } from "../../protocol/identity/signer.ts";
import type { SetOffRecord } from "../../protocol/ledger/set-off.ts";
import type { LedgerVerifier } from "../../protocol/ledger/signing.ts";
import type { SecretBox } from "../../secrets/sealed-box.ts";
import type { Config } from "../settings/config.ts";
import type { ClearingRepository } from "../../store/clearing.ts";
import type { ScheduleRuns } from "../../store/schedules.ts";

export interface ClearingPort {
  self: string;
  config: Pick<Config, "clearing" | "clockSkewSeconds">;
  signer: EntrySigner;
  /** Composite keys of this node and of every node whose card it holds. */
  keys: LedgerVerifier;
  repository: ClearingRepository;
  /** When this node last started a round of each unit (subjects are units): CLEARING_SCHEDULE's clock. */
  scheduleRuns: ScheduleRuns;
  secrets: SecretBox;
  /** This node's obligation with `peer` in `unit` from its confirmed records up to `asOf` (src/node/ledger). */
  obligationWith(peer: string, unit: string, asOf: number): Promise<Obligation | null>;
  /** Stores a set-off record in the ledger, verified there; whether it is held now. */
  storeSetOff(record: SetOffRecord): Promise<boolean>;
  /** Active peers whose cards offer clearing: a round's default participants. */
  clearingPeers(): Promise<string[]>;
  /** Units this node holds balances in, for scheduled rounds. */
  units(): Promise<string[]>;
  /** Milliseconds since the epoch. */
  nowMs(): number;
  /** Work that outlives the request (waitUntil on Workers). */
  defer(work: Promise<unknown>): void;
}

/** Sends a clearing message to another node (reach.ts), or to this one. */
export type ClearingSend = <T extends z.ZodType>(node: string, request: ClearingRequest, result: T) => Promise<z.infer<T>>;
