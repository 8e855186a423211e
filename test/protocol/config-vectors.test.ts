// The configuration file vectors (test/vectors/config.json): on each crypto path the printed file
// opens to the stated document, printing it again gives the same text, and each refused file is
// refused with its reason.
import { describe, expect, it } from "vitest";
import { ConfigFileError, type ConfigFile } from "../../src/protocol/config/file.ts";
import { openConfig, printConfig } from "../../src/protocol/config/sign.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { PATHS, vector } from "./paths.ts";

interface Vectors {
  signingKey: string;
  file: ConfigFile;
  text: string;
  refused: { name: string; reason: string; text: string }[];
}

const v = vector<Vectors>("config.json");

describe.each(PATHS)("configuration file vectors on %s", (_name, p) => {
  const options = {
    verify: async (k: string, s: Uint8Array, m: Uint8Array, c: string) => (await signingKey(p, k)).verify(s, m, c),
    trusts: async (k: string) => k === v.signingKey,
  };

  it("opens the printed file to the stated document, and prints it back to the same text", async () => {
    const file = await openConfig(v.text, options);
    expect(file).toEqual(v.file);
    expect(printConfig(file)).toBe(v.text);
  });

  it.each(v.refused.map((r) => [r.name, r] as const))("refuses %s", async (_n, r) => {
    const err = await openConfig(r.text, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigFileError);
    expect((err as ConfigFileError).reason).toBe(r.reason);
  });

  it("opens a file signed by another key once the operator trusts it", async () => {
    const other = v.refused.find((r) => r.reason === "untrusted_signer")!;
    const file = await openConfig(other.text, { ...options, trusts: async () => true });
    expect(file.signingKey).not.toBe(v.signingKey);
  });
});
