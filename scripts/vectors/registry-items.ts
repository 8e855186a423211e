// Vectors for the resource, resource-template and prompt entry kinds (test/vectors/registry/items.json),
// signed by the Ed25519 test signer from registry.ts's seed: valid entries with every derived
// form, and entries admission refuses, with the reason. Run by scripts/vectors.ts; checked by
// test/protocol/registry-items.test.ts.
import { screen, isRejection } from "../../src/protocol/registry/admission.ts";
import { signingBytes, type UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { itemFingerprint } from "../../src/protocol/registry/shared-items.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { ed25519TestSigner } from "../../test/support/ed25519.ts";
import { agree, write } from "./common.ts";

const seed = new Uint8Array(32).map((_, i) => i + 1);
const id = await ed25519TestSigner(seed);
const origin = id.signer.nodeId;

const resource = { uri: "doc://report/2024 Q1", name: "report-2024-q1", title: "Report, Q1", mimeType: "text/markdown", annotations: { audience: ["user"], priority: 0.5 }, size: 2048 };
const template = { uriTemplate: "doc://report/{year}", name: "report", description: "A yearly report — by year (≥ 2001)" };
const prompt = { name: "summarise", title: "Summarise", arguments: [{ name: "topic", description: "what to summarise", required: true }, { name: "tone" }] };
const base = { origin, visibility: "peers" as const, hlc: "01934df93d7b0000", tombstone: false as const };

const valid: Record<string, UnsignedEntry> = {
  resource: { ...base, kind: "resource", key: `archive/${encodeURIComponent(resource.uri)}`, body: { resource, fingerprint: await itemFingerprint(resource), pricing: { model: "per_call", amount: 4, unit: "credit" } } },
  "resource-template": { ...base, kind: "resource-template", key: `archive/${encodeURIComponent(template.uriTemplate)}`, body: { resourceTemplate: template, fingerprint: await itemFingerprint(template), pricing: null } },
  prompt: { ...base, kind: "prompt", key: "archive/summarise", visibility: "public", body: { prompt, fingerprint: await itemFingerprint(prompt), pricing: null } },
  // The origin lists it as "summarise" (its upstream's prefix is empty), not "archive_summarise".
  "prompt-listed-name": {
    ...base,
    kind: "prompt",
    key: "archive/summarise",
    visibility: "peers",
    body: { prompt, fingerprint: await itemFingerprint(prompt), pricing: null, listedName: "summarise" },
  },
  "resource tombstone": { origin, kind: "resource", key: `archive/${encodeURIComponent(resource.uri)}`, visibility: "peers", hlc: "01934df94f0e0000", tombstone: true },
};

const entries = [];
for (const [name, u] of Object.entries(valid)) {
  const e = await signEntry(u, id.signer);
  const definition = u.tombstone ? undefined : (u.body as Record<string, unknown>)[u.kind === "resource-template" ? "resourceTemplate" : u.kind];
  entries.push({
    name,
    unsigned: u,
    signingBytes: new TextDecoder().decode(signingBytes(u)),
    ...(definition ? { fingerprintInput: canonicalJson(definition) } : {}),
    signed: e.signed,
    canonical: e.canonical,
    id: e.id,
  });
}

// Refused entries are signed properly: what refuses them is the shape, the key or the fingerprint.
const live = entries[0]!.signed as unknown as Record<string, unknown> & { body: { resource: typeof resource; fingerprint: string; pricing: unknown } };
const otherUri = { ...resource, uri: "doc://report/2025" };
const refusedUnsigned: Record<string, { entry: Record<string, unknown>; reason: string }> = {
  "a key that names another URI": { entry: { ...valid.resource!, key: "archive/doc%3A%2F%2Freport%2F2025" }, reason: "malformed" },
  "a key not percent-encoded as encodeURIComponent does": { entry: { ...valid.resource!, key: `archive/${encodeURIComponent(resource.uri).toLowerCase()}` }, reason: "malformed" },
  "a fingerprint of another definition": { entry: { ...valid.resource!, key: `archive/${encodeURIComponent(otherUri.uri)}`, body: { ...live.body, resource: otherUri } }, reason: "malformed" },
  "a field the definition does not have": { entry: { ...valid.prompt!, body: { prompt: { ...prompt, icons: [] }, fingerprint: await itemFingerprint(prompt), pricing: null } }, reason: "malformed" },
  "a prompt body under a resource kind": { entry: { ...valid.prompt!, kind: "resource" }, reason: "malformed" },
  "a listedName MCP names do not take": {
    entry: { ...valid.prompt!, body: { prompt, fingerprint: await itemFingerprint(prompt), pricing: null, listedName: "archive/summarise" } },
    reason: "malformed",
  },
  "a URI longer than 1024 characters": { entry: { ...valid.resource!, key: "archive/x", body: { ...live.body, resource: { ...resource, uri: `doc://${"x".repeat(1020)}` } } }, reason: "malformed" },
};
const rules = { maxEntryBytes: 64 * 1024, clock: new HybridClock(() => 0x01934df94f0e), isBlocked: () => false, checkCard: async () => "no cards here" };
const refused = [];
for (const [name, { entry, reason }] of Object.entries(refusedUnsigned)) {
  const signed = { ...entry, sig: "AAAA" };
  const r = await screen(signed, rules);
  agree(`refused item entry "${name}"`, reason, isRejection(r) ? r.reason : "admitted");
  refused.push({ name, entry: signed, reason, detail: isRejection(r) ? r.detail : "" });
}

write("registry/items.json", {
  context: "mcpfed/1 registry-entry",
  signer: { scheme: "ed25519 over context ‖ 0x00 ‖ message (test signer)", publicKey: id.publicKey, nodeId: origin },
  entries,
  refused,
});
