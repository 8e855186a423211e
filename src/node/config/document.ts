// This node's configuration file (docs/protocol.md §19.3): export signs the state as it stands;
// opening a file checks it and whether this node trusts its signer: its own key, or one the
// operator named by node id or key id.
import { CONFIG_FORMAT, CONFIG_VERSION, type ConfigFile } from "../../protocol/config/file.ts";
import { openConfig, printConfig, signConfig } from "../../protocol/config/sign.ts";
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { COMPOSITE_ALG } from "../../protocol/identity/composite.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import { keyId, nodeIdOf } from "../../protocol/identity/keys.ts";
import type { LocalIdentity } from "../identity/local.ts";
import { readState, type ConfigStatePorts } from "./state.ts";

export interface ConfigDocumentPorts extends ConfigStatePorts {
  identity: () => Promise<LocalIdentity>;
  /** Seconds since the epoch. */
  now: () => number;
}

/** The signed file of this node's configuration, and its printed text. */
export async function exportConfig(s: ConfigDocumentPorts): Promise<{ file: ConfigFile; text: string }> {
  const id = await s.identity();
  const { peers, ...rest } = await readState(s);
  const file = await signConfig(
    {
      format: CONFIG_FORMAT,
      version: CONFIG_VERSION,
      nodeId: id.nodeId,
      signingKey: toBase64url(id.signing.signer.publicKey),
      created: s.now(),
      // A pending peer waits for the operator: not configuration.
      config: { ...rest, peers: peers.filter((p) => p.state !== "pending") as ConfigFile["config"]["peers"] },
    },
    id.signing.signer,
  );
  return { file, text: printConfig(file) };
}

/**
 * The file, verified; a ConfigFileError when it is refused. `trustSigner` is the node id or key
 * id of a signer the operator trusts besides this node.
 */
export async function openConfigFile(s: Pick<ConfigDocumentPorts, "identity">, text: string, trustSigner: string | undefined): Promise<ConfigFile> {
  const id = await s.identity();
  const own = toBase64url(id.signing.signer.publicKey);
  return openConfig(text, {
    verify: async (key, signature, message, context) => {
      try {
        return await (await signingKey(id.primitives, key)).verify(signature, message, context);
      } catch {
        return false;
      }
    },
    trusts: async (key) => {
      if (key === own) return true;
      if (!trustSigner) return false;
      const bytes = fromBase64url(key);
      return (await nodeIdOf(bytes)) === trustSigner || (await keyId(COMPOSITE_ALG, bytes)) === trustSigner;
    },
  });
}
