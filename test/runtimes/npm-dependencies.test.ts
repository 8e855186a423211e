// What a package may make npm fetch (docs/security.md): registry ranges only, never a package's own
// .npmrc, the configured registry only when it resolves to public addresses (unless private URLs
// are allowed). Every refusal here comes before npm runs, so none of these tests needs a network.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dependencyProblem, installDependencies } from "../../src/runtimes/npm-dependencies.ts";
import { removeTempDirs, tempDir } from "../support/processes.ts";

afterAll(() => removeTempDirs());

function packageWith(manifest: object, extra: Record<string, string> = {}): string {
  const root = tempDir("mcpfed-npm-deps-");
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify(manifest));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(root, name), text);
  return root;
}

const PUBLIC = { registry: "https://registry.npmjs.org/", allowPrivate: false };

describe("a package's npm dependencies", () => {
  it("accepts registry ranges and dist-tags, and names the first spec that is not one", () => {
    expect(dependencyProblem({ dependencies: { zod: "^4.0.0", hono: "4.9.1", tar: "latest", x: "" }, optionalDependencies: { y: ">=1 <3" } })).toBeUndefined();
    expect(dependencyProblem({})).toBeUndefined();
    const refused: [string, object][] = [
      ["git", { dependencies: { a: "git+https://internal.example/a.git" } }],
      ["a tarball URL", { dependencies: { a: "http://169.254.169.254/latest/meta-data" } }],
      ["a file", { optionalDependencies: { a: "file:../../etc" } }],
      ["GitHub shorthand", { peerDependencies: { a: "someone/repo" } }],
      ["an alias", { dependencies: { a: "npm:evil@1.0.0" } }],
    ];
    for (const [what, manifest] of refused) expect(dependencyProblem(manifest), what).toMatch(/is not a registry version range/);
    expect(dependencyProblem({ dependencies: ["a"] })).toBe("dependencies is not an object");
  });

  it("refuses before npm runs: a non-registry spec, the package's own .npmrc, a registry on a private address", async () => {
    await expect(installDependencies(packageWith({ dependencies: { a: "github:x/y" } }), PUBLIC)).rejects.toThrow(/not a registry version range/);
    await expect(installDependencies(packageWith({ dependencies: { zod: "^4.0.0" } }, { ".npmrc": "registry=http://10.0.0.1/\n" }), PUBLIC)).rejects.toThrow(/its own \.npmrc/);
    for (const registry of ["http://127.0.0.1:9/", "http://[::1]:9/", "http://localhost:9/", "ftp://registry.example/"]) {
      const refusal = installDependencies(packageWith({ dependencies: { zod: "^4.0.0" } }), { registry, allowPrivate: false });
      await expect(refusal, registry).rejects.toMatchObject({ name: "UnsafeArchiveError" });
    }
  });

  it("runs nothing for a package without dependencies, whatever the registry", async () => {
    await expect(installDependencies(packageWith({ name: "plain" }), { registry: "http://127.0.0.1:9/", allowPrivate: false })).resolves.toBeUndefined();
  });
});
