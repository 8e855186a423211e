// Node entries at admission: the card they carry must verify on its own and be the origin's. The
// signature over the entry is checked later (test/node/registry.test.ts); here it is a placeholder.
import { describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { hlcAt, HybridClock } from "../../src/protocol/registry/hlc.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import { NODE_CARD_KEY } from "../../src/protocol/registry/entry.ts";
import { cardChecker } from "../../src/node/registry/node-keys.ts";
import { vector } from "./paths.ts";

const v = vector<{ now: number; card: Card }>("card.json");
const rules = {
  maxEntryBytes: 64 * 1024,
  clock: new HybridClock(() => v.now * 1000),
  isBlocked: () => false,
  checkCard: cardChecker({ primitives: noble, skew: 60, now: () => v.now }),
};
const nodeEntry = (origin: string, card: unknown) => ({
  origin,
  kind: "node",
  key: NODE_CARD_KEY,
  visibility: "public",
  hlc: hlcAt(v.now * 1000),
  tombstone: false,
  body: { card },
  sig: "AA",
});

describe("node entries", () => {
  it("admits the origin's own valid card", async () => {
    expect(isRejection(await screen(nodeEntry(v.card.id, v.card), rules))).toBe(false);
  });

  it("refuses another node's card, a tampered card and one that is not public", async () => {
    const other = "B".repeat(32);
    expect(await screen(nodeEntry(other, v.card), rules)).toMatchObject({ reason: "malformed", detail: "the card: it is another node's card" });
    expect(await screen(nodeEntry(v.card.id, { ...v.card, name: "impostor" }), rules)).toMatchObject({ reason: "malformed", detail: expect.stringMatching(/^the card: /) });
    expect(await screen({ ...nodeEntry(v.card.id, v.card), visibility: "peers" }, rules)).toMatchObject({ reason: "malformed" });
  });
});
