// The compact directory entry vectors (test/vectors/registry/directory-entries.json): on each crypto
// path every case reaches its stated verdict (the signed entry valid with or without the origin's
// card; tampered ones and ones signed by another key refused; another node's key under the
// origin's id refused once the origin's card is held); the entry is the one its card gives; the
// refused shapes fail the schema; and the registry admits the entry, and refuses a tampered one.
import { describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { directoryBodyOf } from "../../src/protocol/registry/directory-entries.ts";
import { signedEntry, toEntry } from "../../src/protocol/registry/entry.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { screen } from "../../src/protocol/registry/admission.ts";
import { checkDirectoryEntry, type DirectoryEntry } from "../../src/protocol/registry/signing.ts";
import { PATHS, vector } from "./paths.ts";

interface Vectors {
  cards: { origin: Card; stranger: Card };
  entry: DirectoryEntry;
  id: string;
  bytes: number;
  cases: { name: string; entry: DirectoryEntry; card: "origin" | "stranger" | null; verdict: string }[];
  refused: { name: string; entry: unknown }[];
}

const v = vector<Vectors>("registry/directory-entries.json");

describe.each(PATHS)("directory entry vectors (%s)", (_label, p) => {
  it.each(v.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const card = c.card ? v.cards[c.card] : undefined;
    expect((await checkDirectoryEntry(signedEntry.parse(c.entry) as DirectoryEntry, p, card)) ?? "valid").toBe(c.verdict);
  });

  it("admission takes the entry and refuses it with a flipped signature", async () => {
    const rules = { maxEntryBytes: 64 * 1024, clock: new HybridClock(() => 1_767_225_600_000), isBlocked: () => false, checkCard: async () => "unused", checkDirectory: (e: DirectoryEntry) => checkDirectoryEntry(e, p, undefined) };
    expect("reason" in (await screen(v.entry, rules))).toBe(false);
    const last = v.entry.sig.at(-2) === "A" ? "B" : "A";
    const tampered = { ...v.entry, sig: `${v.entry.sig.slice(0, -2)}${last}${v.entry.sig.at(-1)}` };
    expect(await screen(tampered, rules)).toMatchObject({ reason: "bad_signature" });
    expect(await screen(v.entry, { ...rules, checkDirectory: undefined })).toMatchObject({ reason: "unknown_origin" });
  });
});

describe("directory entry shape", () => {
  it("is the origin card's compact form, with its id and size", async () => {
    expect(v.entry.body).toEqual(await directoryBodyOf(v.cards.origin));
    const e = await toEntry(signedEntry.parse(v.entry));
    expect(e.id).toBe(v.id);
    expect(new TextEncoder().encode(e.canonical).length).toBe(v.bytes);
  });

  it.each(v.refused.map((r) => [r.name, r.entry] as const))("schema refuses %s", (_name, entry) => {
    expect(signedEntry.safeParse(entry).success).toBe(false);
  });
});
