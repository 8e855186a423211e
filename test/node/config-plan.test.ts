// The plan's rules where no store is needed to see them (docs/protocol.md §19.3): a pending peer is
// approved by the file's "active" and never pruned; an upstream that differs only in its prefix or pin
// mode is changed in place and needs no secret, any other difference registers it again and needs them all;
// a package needs its secrets only when it is installed or its variables change, and a file without
// the packages area (written before they were configuration) leaves every package alone, even pruned.
import { describe, expect, it } from "vitest";
import type { ConfigBody } from "../../src/protocol/config/file.ts";
import { planConfig } from "../../src/node/config/plan.ts";
import type { ConfigState } from "../../src/node/config/state.ts";

const empty = { upstreams: [], tools: [], shares: [], policy: [], limits: [], peers: [], packages: [] } satisfies ConfigBody & ConfigState;
const P1 = "a".repeat(32);
const P2 = "b".repeat(32);
const github = { name: "github", kind: "http" as const, url: "https://api.example/mcp", headers: { Authorization: { secret: "GITHUB_AUTHORIZATION" } } };

describe("planning a configuration file", () => {
  it("approves a pending peer the file names as active, and keeps or prunes only peers that are configuration", () => {
    const state: ConfigState = {
      ...empty,
      peers: [
        { id: P1, url: "https://one.example", state: "pending" },
        { id: P2, url: "https://two.example", state: "blocked" },
        { id: "c".repeat(32), url: "https://three.example", state: "pending" },
      ],
    };
    const file: ConfigBody = { ...empty, peers: [{ id: P1, url: "https://one.example", state: "active" }] };
    const kept = planConfig(file, state, { prune: false, secrets: new Set() });
    expect(kept.changes).toEqual([expect.objectContaining({ area: "peers", action: "update", key: P1 })]);
    expect(kept.kept).toEqual([{ area: "peers", key: P2 }]);
    const pruned = planConfig(file, state, { prune: true, secrets: new Set() });
    expect(pruned.changes.map((c) => `${c.action} ${c.key}`)).toEqual([`update ${P1}`, `remove ${P2}`]);
  });

  it("changes an upstream's prefix or pin mode in place without its secrets, and registers it again for any other change only with them", () => {
    const state: ConfigState = { ...empty, upstreams: [github] };
    const renamed = planConfig({ ...empty, upstreams: [{ ...github, prefix: "gh" }] }, state, { prune: false, secrets: new Set() });
    expect(renamed.changes).toEqual([expect.objectContaining({ action: "update", note: "in place: prefix or pin mode" })]);
    expect(renamed.changes[0]!.blocked).toBeUndefined();
    const strict = planConfig({ ...empty, upstreams: [{ ...github, pins: "strict" }] }, state, { prune: false, secrets: new Set() });
    expect(strict.changes).toEqual([expect.objectContaining({ action: "update", note: "in place: prefix or pin mode" })]);
    expect(strict.changes[0]!.blocked).toBeUndefined();
    const moved = { ...github, url: "https://api.example/v2/mcp" };
    expect(planConfig({ ...empty, upstreams: [moved] }, state, { prune: false, secrets: new Set() }).changes[0]).toMatchObject({ action: "update", blocked: "secrets not given: GITHUB_AUTHORIZATION" });
    expect(planConfig({ ...empty, upstreams: [moved] }, state, { prune: false, secrets: new Set(["GITHUB_AUTHORIZATION"]) }).changes[0]!.blocked).toBeUndefined();
  });

  it("blocks a tool whose upstream neither lists it nor is being added", () => {
    const file: ConfigBody = { ...empty, tools: [{ upstream: "gone", tool: "t", name: "t", hidden: true, pinned: false }] };
    expect(planConfig(file, empty as ConfigState, { prune: false, secrets: new Set() }).changes).toEqual([expect.objectContaining({ area: "tools", blocked: "gone lists no tool t here" })]);
  });

  it("plans packages: secrets only to install or change variables, a switch noted, and an old file leaves them alone", () => {
    const probe = {
      upstream: "probe",
      name: "probe",
      origin: "n".repeat(32),
      versions: ["1.0.0", "1.1.0"],
      active: "1.0.0",
      env: { MODE: "plain", TOKEN: { secret: "PROBE_TOKEN" } },
      permissions: { net: [], read: [], write: [], env: ["MODE", "TOKEN"] },
    };
    const none = { prune: false, secrets: new Set<string>() };
    const fresh = planConfig({ ...empty, packages: [probe] }, empty, none);
    expect(fresh.changes).toEqual([expect.objectContaining({ area: "packages", action: "add", key: "probe", note: `install 1.0.0, 1.1.0 from ${probe.origin}; serve 1.0.0`, blocked: "secrets not given: PROBE_TOKEN" })]);
    expect(planConfig({ ...empty, packages: [probe] }, empty, { prune: false, secrets: new Set(["PROBE_TOKEN"]) }).changes[0]!.blocked).toBeUndefined();
    const held = { ...empty, packages: [{ ...probe, active: "1.1.0" }] };
    const switched = planConfig({ ...empty, packages: [probe] }, held, none);
    expect(switched.changes).toEqual([expect.objectContaining({ action: "update", note: "serve 1.0.0" })]);
    expect(switched.changes[0]!.blocked).toBeUndefined();
    expect(planConfig({ ...empty, packages: [{ ...probe, env: { MODE: "loud", TOKEN: { secret: "PROBE_TOKEN" } } }] }, { ...empty, packages: [probe] }, none).changes[0]).toMatchObject({ blocked: "secrets not given: PROBE_TOKEN" });
    const { packages: _absent, ...old } = empty;
    const pruned = planConfig(old, held, { prune: true, secrets: new Set() });
    expect(pruned.changes).toEqual([]);
    expect(pruned.kept).toEqual([{ area: "packages", key: "probe" }]);
    expect(planConfig({ ...empty, packages: [] }, held, { prune: true, secrets: new Set() }).changes).toEqual([expect.objectContaining({ area: "packages", action: "remove", key: "probe" })]);
  });
});
