// Compact directory entry vectors (docs/protocol.md §20.7): an entry built from a signed card and
// signed by the Ed25519 half of the card's key, with the verdict every checker must reach; copies
// tampered with after signing, signed by another node, or checked against a card they do not stand
// for; and shapes the schema refuses.
import type { Card } from "../../src/protocol/card/schema.ts";
import { signedEntry, toEntry } from "../../src/protocol/registry/entry.ts";
import { cardKeysHash, DIRECTORY_KEY, directoryBodyOf, ed25519HalfOf } from "../../src/protocol/registry/directory-entries.ts";
import { checkDirectoryEntry, signDirectoryEntry, type DirectoryEntry } from "../../src/protocol/registry/signing.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import { agree, flipped, p, write } from "./common.ts";

interface Party {
  seed: Uint8Array;
  key: SigningKey;
  card: Card;
}

export async function directoryEntryVectors(o: { origin: Party; stranger: Party }): Promise<void> {
  const origin = o.origin.key.nodeId;
  const signerOf = (k: SigningKey) => ({ nodeId: origin, sign: (m: Uint8Array, c: string) => k.signer.sign(m, c), signEd25519: (m: Uint8Array, c: string) => k.signer.signEd25519(m, c) });
  const body = await directoryBodyOf(o.origin.card);
  const unsigned = { origin, kind: "directory" as const, key: DIRECTORY_KEY, visibility: "public" as const, hlc: hlcAt(1_767_225_600_000), tombstone: false as const, body };
  const entry = (await signDirectoryEntry(unsigned, signerOf(o.origin.key))).signed as DirectoryEntry;
  // Signed by the stranger's Ed25519 half but naming it, under the origin's id: the signature holds, the origin's card does not match.
  const strangerHalf = ed25519HalfOf(o.stranger.card);
  const impostor = (await signDirectoryEntry({ ...unsigned, body: { ...body, ed25519: strangerHalf } }, signerOf(o.stranger.key))).signed as DirectoryEntry;
  const verdict = async (e: DirectoryEntry, card: Card | undefined) => (await checkDirectoryEntry(e, p, card)) ?? "valid";
  const cases = [
    { name: "signed entry, no card held", entry, card: null, verdict: "valid" },
    { name: "signed entry, the origin's card held", entry, card: "origin", verdict: "valid" },
    { name: "signature bit flipped", entry: { ...entry, sig: flipped(entry.sig) }, card: null, verdict: "bad_signature" },
    { name: "url changed after signing", entry: { ...entry, body: { ...body, url: "https://attacker.example" } }, card: null, verdict: "bad_signature" },
    { name: "keys hash changed after signing", entry: { ...entry, body: { ...body, keys: `sha256:${"00".repeat(32)}` } }, card: null, verdict: "bad_signature" },
    { name: "signed by another key than the one it names", entry: { ...entry, body: { ...body, ed25519: strangerHalf } }, card: null, verdict: "bad_signature" },
    { name: "another node's key under the origin's id, no card held", entry: impostor, card: null, verdict: "valid" },
    { name: "another node's key under the origin's id, the origin's card held", entry: impostor, card: "origin", verdict: "card_mismatch" },
    { name: "checked against another node's card", entry, card: "stranger", verdict: "card_mismatch" },
  ];
  const cardOf = (c: string | null) => (c === "origin" ? o.origin.card : c === "stranger" ? o.stranger.card : undefined);
  for (const c of cases) agree(c.name, c.verdict, await verdict(c.entry as DirectoryEntry, cardOf(c.card)));
  agree("the keys hash is the card's", body.keys, await cardKeysHash(o.origin.card));

  const refused = [
    { name: "a tombstone (a directory entry lapses instead)", entry: { ...unsigned, tombstone: true, body: undefined, sig: entry.sig } },
    { name: "another key than directory", entry: { ...entry, key: "card" } },
    { name: "visibility peers", entry: { ...entry, visibility: "peers" } },
    { name: "an unknown body field", entry: { ...entry, body: { ...body, name: "origin" } } },
    { name: "version 2", entry: { ...entry, body: { ...body, v: 2 } } },
    { name: "an Ed25519 key of 31 bytes", entry: { ...entry, body: { ...body, ed25519: body.ed25519.slice(0, 42) } } },
    { name: "five mailboxes", entry: { ...entry, body: { ...body, mailboxes: Array.from({ length: 5 }, (_, i) => `https://m${i}.example`) } } },
    { name: "a keys hash that is not sha256", entry: { ...entry, body: { ...body, keys: "md5:00" } } },
  ];
  for (const r of refused) agree(`schema refuses ${r.name}`, false, signedEntry.safeParse(r.entry).success);

  write("registry/directory-entries.json", {
    about: "Compact directory entries (docs/protocol.md §20.7). `entry` is built from `cards.origin` and signed by the Ed25519 half of its key (ed25519-component prefix, context mcpfed/1 directory-entry). Each case gives the verdict of the entry's check with the card named held (null: none held); `refused` must fail the entry schema.",
    cards: { origin: o.origin.card, stranger: o.stranger.card },
    entry,
    id: (await toEntry(entry)).id,
    bytes: new TextEncoder().encode((await toEntry(entry)).canonical).length,
    cases: cases.map((c) => ({ name: c.name, entry: c.entry, card: c.card, verdict: c.verdict })),
    refused,
  });
}
