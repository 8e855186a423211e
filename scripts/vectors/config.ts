// Configuration file vectors (docs/protocol.md §19.3): a file signed with a fixed seed
// (deterministic ML-DSA) holding one item of every area, its printed text, and files a node
// refuses, each with the reason it must give.
import { CONFIG_VERSION, type UnsignedConfig } from "../../src/protocol/config/file.ts";
import { openConfig, printConfig, signConfig } from "../../src/protocol/config/sign.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { agree, b64, counting, flipped, p, write } from "./common.ts";

export async function configVectors(): Promise<void> {
  const [key, other] = await Promise.all([signingKeyFromSeed(p, counting(0x50)), signingKeyFromSeed(p, counting(0x70))]);
  const doc: UnsignedConfig = {
    format: "mcpfed-config",
    version: CONFIG_VERSION,
    nodeId: key.nodeId,
    signingKey: b64(key.signer.publicKey),
    created: 1_767_225_600,
    config: {
      upstreams: [
        { name: "github", kind: "http", url: "https://api.githubcopilot.com/mcp/", headers: { Authorization: { secret: "GITHUB_AUTHORIZATION" } }, prefix: "gh", pins: "strict" },
        { name: "memory", kind: "stdio", command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"] },
      ],
      tools: [{ upstream: "memory", tool: "read_graph", name: "graph", hidden: false, pinned: true }],
      shares: [{ key: "memory/read_graph", visibility: "peers", version: "1.0.0", tags: ["memory"], pricing: null }],
      policy: [{ priority: 100, action: "call", effect: "deny", tool: "gh_delete_*" }],
      limits: [{ subjectKind: "api-token", windowSeconds: 60, maxRequests: 30 }],
      peers: [{ id: other.nodeId, url: "https://peer.example/", alias: "peer", state: "active" }],
      packages: [
        {
          upstream: "notes",
          name: "notes",
          origin: other.nodeId,
          versions: ["1.0.0", "1.1.0+build.1"],
          active: "1.0.0",
          range: "^1.0.0",
          env: { NOTES_MODE: "append", NOTES_TOKEN: { secret: "NOTES_NOTES_TOKEN" } },
          permissions: { net: ["api.notes.example:443"], read: [], write: ["notes"], env: ["NOTES_MODE", "NOTES_TOKEN"] },
        },
      ],
    },
  };
  const file = await signConfig(doc, key.signer);
  const text = printConfig(file);
  const own = b64(key.signer.publicKey);
  const options = {
    verify: async (k: string, s: Uint8Array, m: Uint8Array, c: string) => (await signingKey(p, k)).verify(s, m, c),
    trusts: async (k: string) => k === own,
  };
  agree("opened file", file, await openConfig(text, options));
  const reprint = (f: unknown) => JSON.stringify(f);
  const signedByOther = await signConfig({ ...doc, nodeId: other.nodeId, signingKey: b64(other.signer.publicKey) }, other.signer);
  const withSecret = structuredClone(file) as unknown as { config: { upstreams: { headers?: Record<string, unknown> }[] } };
  withSecret.config.upstreams[0]!.headers = { Authorization: "Bearer ghp_not_a_real_token" };
  const refused = [
    { name: "a policy rule changed after signing", reason: "bad_signature", text: reprint({ ...file, config: { ...file.config, policy: [{ ...file.config.policy[0]!, effect: "allow" }] } }) },
    { name: "a bit of the signature flipped", reason: "bad_signature", text: reprint({ ...file, signature: flipped(file.signature, 10) }) },
    { name: "signed by a key the node does not trust", reason: "untrusted_signer", text: printConfig(signedByOther) },
    { name: "format version 2", reason: "unsupported_version", text: reprint({ ...file, version: 2 }) },
    { name: "a header's secret value written into the file", reason: "secret_value", text: reprint(withSecret) },
    { name: "not JSON", reason: "malformed", text: text.slice(0, 40) },
    { name: "an unknown area", reason: "malformed", text: reprint({ ...file, config: { ...file.config, grants: [] } }) },
    { name: "an upstream without its kind", reason: "malformed", text: reprint({ ...file, config: { ...file.config, upstreams: [{ name: "x", url: "https://x.example/" }] } }) },
  ];
  for (const r of refused) {
    const reason = await openConfig(r.text, options).then(
      () => "accepted",
      (err: { reason?: string }) => err.reason,
    );
    agree(`refused: ${r.name}`, r.reason, reason);
  }
  write("config.json", {
    about:
      "Configuration files (docs/protocol.md §19.3). `text` is `file` as printed; its signature is by the key of `seed` (deterministic ML-DSA) over the canonical JSON of the file without `signature`. A node that trusts only `signingKey` opens `text` to `file` and refuses each of `refused` with its `reason`.",
    seed: b64(counting(0x50)),
    signingKey: own,
    file,
    text,
    refused,
  });
}
