// Vectors for MCP bundle artifacts (test/vectors/registry/bundles.json, protocol §18.2): manifests
// and the launch each maps to, manifests refused with their code, a signed live `mcpb` entry, the
// same entry with its digest changed after signing (a bad signature), and `mcpb` entries admission
// refuses. Run by scripts/vectors.ts; checked by test/protocol/package-bundles.test.ts.
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import type { UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { encodeHlc, HybridClock } from "../../src/protocol/registry/hlc.ts";
import { signEntry, verifyEntry } from "../../src/protocol/registry/signing.ts";
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { BundleError, bundleLaunch, parseBundleManifest } from "../../src/protocol/packages/bundle.ts";
import { ed25519TestSigner, TestKeyring } from "../../test/support/ed25519.ts";
import { agree, counting, write } from "./common.ts";

const node = await ed25519TestSigner(counting(0x21));
const keyring = new TestKeyring().add(node);
/** 2026-01-01T00:00:00Z. */
const SIGNED_MS = 1_767_225_600_000;

const server = (change: Record<string, unknown> = {}, config: Record<string, unknown> = {}) => ({
  type: "node",
  entry_point: "server/index.js",
  mcp_config: { command: "node", args: ["${__dirname}/server/index.js"], env: { API_KEY: "${user_config.api_key}" }, ...config },
  ...change,
});
const base = {
  manifest_version: "0.3",
  name: "weather-bundle",
  version: "1.2.0",
  description: "Forecasts",
  author: { name: "Example" },
  server: server(),
  user_config: { api_key: { type: "string", title: "API key", description: "The forecast service's key", sensitive: true, required: true } },
};
const manifests: Record<string, unknown> = {
  "a node server with a sensitive user_config value": base,
  "literal and defaulted variables, ${__dirname} in an argument": {
    ...base,
    server: server({}, { args: ["${__dirname}/server/index.js", "--data", "${__dirname}/data"], env: { LOG_LEVEL: "warn", UNITS: "${user_config.units}", HOME_DIR: "${user_config.folder}" } }),
    user_config: {
      units: { type: "string", title: "Units", description: "metric or imperial", default: "metric" },
      folder: { type: "directory", title: "Folder", description: "Where to look", default: "${HOME}/Documents", required: true },
    },
  },
  "the older dxt_version, no user_config": { dxt_version: "0.1", name: "plain", version: "0.1.0", description: "", author: { name: "Example" }, server: server({}, { env: {} }) },
};
const refusedManifests: Record<string, unknown> = {
  "a python server": { ...base, server: server({ type: "python", entry_point: "server/main.py" }, { command: "python", args: ["${__dirname}/server/main.py"] }) },
  "a binary server": { ...base, server: server({ type: "binary", entry_point: "server/run" }, { command: "${__dirname}/server/run", args: [] }) },
  "a uv server": { ...base, server: server({ type: "uv", entry_point: "server/main.py" }) },
  "a node server started by another command": { ...base, server: server({}, { command: "bash" }) },
  "a first argument that is not the entry point": { ...base, server: server({}, { args: ["--require", "${__dirname}/hook.js", "${__dirname}/server/index.js"] }) },
  "a variable other than ${__dirname} in an argument": { ...base, server: server({}, { args: ["${__dirname}/server/index.js", "${HOME}/data"] }) },
  "a user_config value inside an argument": { ...base, server: server({}, { args: ["${__dirname}/server/index.js", "--key=${user_config.api_key}"] }) },
  "an env value naming an undeclared user_config": { ...base, server: server({}, { env: { API_KEY: "${user_config.token}" } }) },
  "an entry point outside the bundle": { ...base, server: server({ entry_point: "../server/index.js" }, { args: ["${__dirname}/../server/index.js"] }) },
  "no manifest version": { ...base, manifest_version: undefined },
  "a manifest version this node does not know": { ...base, manifest_version: "9.0" },
  "no server": { ...base, server: undefined },
};

const mapped = [];
for (const [name, manifest] of Object.entries(manifests)) {
  mapped.push({ name, manifest, launch: bundleLaunch(parseBundleManifest(JSON.stringify(manifest))) });
}
const refusals = [];
for (const [name, manifest] of Object.entries(refusedManifests)) {
  let code = "accepted";
  let message = "";
  try {
    bundleLaunch(parseBundleManifest(JSON.stringify(manifest)));
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    ({ code, message } = err);
  }
  if (code === "accepted") throw new Error(`manifest "${name}" was accepted`);
  refusals.push({ name, manifest, code, message });
}

const forecast = { name: "forecast", description: "Tomorrow's weather", inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
const body = {
  ...{ name: "weather-bundle", version: "1.2.0", description: "Forecasts", previous: null },
  artifact: { type: "mcpb", sha256: "3c".repeat(32), size: 236_959 },
  launch: { ...mapped[0]!.launch, permissions: { net: ["api.example.org:443"], read: [], write: [], env: [] } },
  tools: [{ ...forecast, fingerprint: await toolFingerprint(forecast) }],
  licence: { id: "MIT" },
};
const unsigned = { origin: node.signer.nodeId, hlc: encodeHlc({ wall: SIGNED_MS, counter: 0 }), tombstone: false, kind: "package", key: "package/weather-bundle@1.2.0", visibility: "peers", body } as UnsignedEntry;
const rules = { maxEntryBytes: 64 * 1024, clock: new HybridClock(() => SIGNED_MS), isBlocked: () => false, checkCard: async () => "no cards here" };
const signed = await signEntry(unsigned, node.signer);
const screened = await screen(JSON.parse(signed.canonical), rules);
agree("the mcpb entry is admitted", "admitted", isRejection(screened) ? screened.detail : "admitted");
agree("the mcpb entry's signature", "valid", await verifyEntry(signed, keyring));
const tampered = { ...signed.signed, body: { ...body, artifact: { ...body.artifact, sha256: "4d".repeat(32) } } };
const tamperedScreen = await screen(tampered, rules);
if (isRejection(tamperedScreen)) throw new Error("the tampered entry should be well-shaped");
agree("the tampered mcpb entry's signature", "bad_signature", await verifyEntry(tamperedScreen, keyring));

const refusedEntries: Record<string, unknown> = {
  "an empty bundle": { ...body, artifact: { type: "mcpb", sha256: "3c".repeat(32), size: 0 } },
  "a digest in upper case": { ...body, artifact: { type: "mcpb", sha256: "3C".repeat(32), size: 10 } },
  "a bundle pinned by npm's integrity": { ...body, artifact: { type: "mcpb", integrity: "sha512-" + "A".repeat(86) + "==", size: 10 } },
  "a bundle over 256 MiB": { ...body, artifact: { type: "mcpb", sha256: "3c".repeat(32), size: 256 * 1024 * 1024 + 1 } },
};
const refused = [];
for (const [name, b] of Object.entries(refusedEntries)) {
  const entry = { ...unsigned, body: b, sig: "AAAA" };
  const r = await screen(entry, rules);
  agree(`refused mcpb entry "${name}"`, "malformed", isRejection(r) ? r.reason : "admitted");
  refused.push({ name, entry, reason: "malformed", detail: isRejection(r) ? r.detail : "" });
}

write("registry/bundles.json", {
  about:
    "MCP bundle (.mcpb) artifacts (docs/protocol.md §18.2): manifest.json documents and the package launch each maps to, manifests refused with their code, a live mcpb package entry signed with the Ed25519 test signer (context 'mcpfed/1 registry-entry'), the same entry with its digest changed after signing, and mcpb entries admission refuses.",
  clockMs: SIGNED_MS,
  signer: { publicKey: node.publicKey, nodeId: node.signer.nodeId },
  manifests: mapped,
  refusedManifests: refusals,
  entry: { unsigned, signed: signed.signed, canonical: signed.canonical, id: signed.id },
  tampered: { entry: tampered, verdict: "bad_signature" },
  refusedEntries: refused,
});
