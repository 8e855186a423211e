// MCP bundle artifacts (protocol §18.2): the vectors (test/vectors/registry/bundles.json)
// reproduced by the manifest mapping, every accepted manifest also valid for the bundle format's
// own published schema (@anthropic-ai/mcpb), refused manifests with their codes, the signed `mcpb`
// entry checked with node:crypto, and its tampered copy and malformed entries refused.
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import { McpbManifestSchema } from "@anthropic-ai/mcpb/schemas/any";
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { ENTRY_CONTEXT, verifyEntry } from "../../src/protocol/registry/signing.ts";
import { BundleError, bundleLaunch, parseBundleManifest } from "../../src/protocol/packages/bundle.ts";
import { packageArtifact } from "../../src/protocol/packages/artifact.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/registry/bundles.json", import.meta.url), "utf8"));
const rules = { maxEntryBytes: 64 * 1024, clock: new HybridClock(() => vectors.clockMs), isBlocked: () => false, checkCard: async () => "no cards here" };
const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: vectors.signer.publicKey }, format: "jwk" });
const keyring = {
  keyOf: async (origin: string) =>
    origin === vectors.signer.nodeId ? { verify: async (m: Uint8Array, s: Uint8Array, context: string) => verify(null, Buffer.concat([Buffer.from(context), Buffer.from([0]), m]), key, s) } : undefined,
};

function refusal(manifest: unknown): { code: string; message: string } | "accepted" {
  try {
    bundleLaunch(parseBundleManifest(JSON.stringify(manifest)));
    return "accepted";
  } catch (err) {
    if (err instanceof BundleError) return { code: err.code, message: err.message };
    throw err;
  }
}

describe("MCP bundle manifests", () => {
  it("map to the launch the vectors state, and the bundle format's own schema accepts each", () => {
    expect(vectors.manifests.length).toBe(3);
    for (const v of vectors.manifests) {
      expect(bundleLaunch(parseBundleManifest(JSON.stringify(v.manifest))), v.name).toEqual(v.launch);
      expect(McpbManifestSchema.safeParse(v.manifest).success, v.name).toBe(true);
    }
  });

  it("a sensitive user_config value is a secret; a literal or a usable default is the variable's default; ${__dirname} is the package's folder", () => {
    const [sensitive, defaults] = vectors.manifests;
    expect(sensitive.launch.env).toEqual([{ name: "API_KEY", description: "The forecast service's key", required: true, secret: true }]);
    expect(defaults.launch.args).toEqual(["--data", "{package}/data"]);
    // A default naming the user's folders means nothing on a node: the operator must give it.
    expect(defaults.launch.env.find((v: { name: string }) => v.name === "HOME_DIR")).toEqual({ name: "HOME_DIR", description: "Where to look", required: true, secret: false });
  });

  it("refuse what this node cannot run or map, each with its code; python, binary and uv name the supported types", () => {
    expect(vectors.refusedManifests.length).toBe(12);
    for (const v of vectors.refusedManifests) expect(refusal(v.manifest), v.name).toEqual({ code: v.code, message: v.message });
    for (const type of ["python", "binary", "uv"]) {
      const v = vectors.refusedManifests.find((r: { name: string }) => r.name === `a ${type} server`);
      expect(v.code).toBe("unsupported_server_type");
      expect(v.message).toMatch(/runs bundles of type node only/);
    }
  });

  it("refuse a manifest that is not JSON", () => {
    expect(refusal("{")).toEqual({ code: "bundle_malformed", message: "manifest.json: (root): Invalid input: expected object, received string" });
    expect(() => parseBundleManifest("{")).toThrow(/not JSON/);
  });
});

describe("mcpb package entries", () => {
  it("the signed entry matches node:crypto and an independent JCS, and is admitted", async () => {
    const e = vectors.entry;
    expect(canonicalize(e.signed)).toBe(e.canonical);
    expect(createHash("sha256").update(e.canonical).digest("hex")).toBe(e.id);
    const framed = Buffer.concat([Buffer.from(ENTRY_CONTEXT), Buffer.from([0]), Buffer.from(canonicalize(e.unsigned)!)]);
    expect(verify(null, framed, key, Buffer.from(fromBase64url(e.signed.sig)))).toBe(true);
    const screened = await screen(JSON.parse(e.canonical), rules);
    expect(isRejection(screened) ? screened.detail : "admitted").toBe("admitted");
    if (!isRejection(screened)) expect(await verifyEntry(screened, keyring)).toBe("valid");
    expect(packageArtifact.parse(e.signed.body.artifact)).toEqual({ type: "mcpb", sha256: "3c".repeat(32), size: 236_959 });
  });

  it("a digest changed after signing fails the signature", async () => {
    const screened = await screen(vectors.tampered.entry, rules);
    expect(isRejection(screened)).toBe(false);
    if (!isRejection(screened)) expect(await verifyEntry(screened, keyring)).toBe(vectors.tampered.verdict);
  });

  it("malformed mcpb artifacts are refused by admission, each for its stated reason", async () => {
    expect(vectors.refusedEntries.length).toBe(4);
    for (const r of vectors.refusedEntries) {
      const screened = await screen(r.entry, rules);
      expect(isRejection(screened) && { reason: screened.reason, detail: screened.detail }, r.name).toEqual({ reason: r.reason, detail: r.detail });
    }
  });
});
