// Why a hop refused an onion packet. The codes are for the hop's own counters and the vectors;
// on the wire every one of them becomes the same refusal (§14.5), so a sender cannot learn which
// check failed or at which hop.
import { CodedRefusal } from "../../refusal/coded-refusal.ts";

export const ONION_ERRORS = {
  wrong_size: 400,
  bad_kem: 400,
  bad_mac: 400,
  bad_routing: 400,
  bad_payload: 400,
  expired: 400,
  replayed: 400,
  bad_reply: 400,
  surb_unknown: 400,
  surb_replayed: 400,
} as const;

export type OnionErrorCode = keyof typeof ONION_ERRORS;

export class OnionError extends CodedRefusal<typeof ONION_ERRORS> {
  override name = "OnionError";

  protected get table(): typeof ONION_ERRORS {
    return ONION_ERRORS;
  }
}

/** The one answer to a dropped packet, from whichever hop dropped it (§14.5). */
export const ONION_DROPPED = { error: { code: "onion_dropped", message: "the onion packet was dropped" } } as const;
export const ONION_DROPPED_STATUS = 400;
