// Commands for packages (protocol §18): find, install and run a peer's MCP server locally, with
// versions side by side. Each is a thin client of the admin API (src/http/admin/packages.ts).
import { existsSync, readFileSync, statSync } from "node:fs";
import { seg } from "../framework/admin-api.ts";
import { show, type Command } from "../framework/command.ts";
import { UsageError } from "../framework/errors.ts";
import { table } from "../framework/format.ts";
import { str } from "../framework/option-values.ts";

interface Listing {
  origin: string;
  name: string;
  description: string;
  newest: string;
  versions: string[];
  price: { amount: number; unit: string; per: string } | null;
  licence: string;
  tools: string[];
  installed: string[];
}

interface Installed {
  upstream: string;
  name: string;
  origin: string;
  range: string | null;
  active: string | null;
  versions: { version: string; sha256: string; active: boolean }[];
}

const priceText = (p: Listing["price"]) => (p ? `${p.amount} ${p.unit} per ${p.per}` : "free");

function envPairs(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    if (i < 1) throw new UsageError(`--env takes NAME=value, not ${v}`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

const switched = (b: { upstream: string; version: string; previous: string | null }) => `${b.upstream} now serves ${b.version}${b.previous ? ` (was ${b.previous})` : ""}`;

export const packageCommands: Command[] = [
  {
    name: "package search",
    usage: "[words]",
    summary: "find packages peers publish: MCP servers this node can install and run locally",
    min: 0,
    max: 8,
    run: async (ctx, words) => {
      const body = await ctx.api.request<{ packages: Listing[] }>("GET", `/packages/search?q=${seg(words.join(" "))}`);
      show(ctx, body, (b) =>
        b.packages.length === 0 ? "no package found" : table(["NAME", "NEWEST", "PRICE", "LICENCE", "INSTALLED", "ORIGIN"], b.packages.map((p) => [p.name, p.newest, priceText(p.price), p.licence, p.installed.join(",") || "-", p.origin])),
      );
    },
  },
  {
    name: "package info",
    usage: "<name>",
    summary: "a package's versions, tools, licence and price",
    options: { origin: { type: "string", value: "node", help: "the publishing node, when several publish the name" } },
    min: 1,
    max: 1,
    run: async (ctx, [name], o) => {
      const origin = str(o.origin);
      const body = await ctx.api.request<Listing>("GET", `/packages/available/${seg(name!)}${origin ? `?origin=${seg(origin)}` : ""}`);
      show(ctx, body, (p) => [`${p.name} ${p.newest} from ${p.origin}`, p.description, `versions: ${p.versions.join(", ")}`, `tools: ${p.tools.join(", ")}`, `licence: ${p.licence}; price: ${priceText(p.price)}`].filter(Boolean).join("\n"));
    },
  },
  {
    name: "package install",
    usage: "<name>[@version]",
    summary: "install a package: fetch, check every digest and signature, keep it in the local store, serve it as an upstream",
    options: {
      origin: { type: "string", value: "node", help: "the publishing node, when several publish the name" },
      as: { type: "string", value: "upstream", help: "the upstream it serves as (default: its name)" },
      env: { type: "string", multiple: true, value: "NAME=value", help: "a value for an environment variable the package declares" },
      use: { type: "boolean", help: "serve this version at once, even when another version serves" },
      principal: { type: "string", value: "id", help: "for a priced licence, the principal it is bought for: paid from the budget that principal is charged to (mcpfed budget charge)" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [spec], o) => {
      const at = spec!.lastIndexOf("@");
      const [name, version] = at > 0 ? [spec!.slice(0, at), spec!.slice(at + 1)] : [spec!, undefined];
      const origin = str(o.origin);
      const upstream = str(o.as);
      const env = Array.isArray(o.env) ? envPairs(o.env) : undefined;
      const principal = str(o.principal);
      const body = await ctx.api.request<{ upstream: string; name: string; version: string; sha256: string; active: boolean; fetched: boolean }>("POST", "/packages", {
        name,
        ...(version ? { version } : {}),
        ...(origin ? { origin } : {}),
        ...(upstream ? { upstream } : {}),
        ...(env ? { env } : {}),
        ...(o.use ? { use: true } : {}),
        ...(principal ? { principal } : {}),
      });
      show(ctx, body, (b) => `installed ${b.name}@${b.version} as ${b.upstream} (${b.fetched ? "fetched" : "from the local store"}, ${b.sha256.slice(0, 12)})${b.active ? ", serving" : ""}`);
    },
  },
  {
    name: "package list",
    summary: "installed packages, every version kept, and which one serves",
    min: 0,
    max: 0,
    run: async (ctx) => {
      const body = await ctx.api.request<{ packages: Installed[] }>("GET", "/packages");
      show(ctx, body, (b) =>
        b.packages.length === 0
          ? "no package installed"
          : table(["UPSTREAM", "PACKAGE", "SERVING", "VERSIONS", "RANGE"], b.packages.map((p) => [p.upstream, p.name, p.active ?? "-", p.versions.map((v) => v.version).join(", "), p.range ?? "*"])),
      );
    },
  },
  {
    name: "package use",
    usage: "<upstream> <version>",
    summary: "switch which installed version serves, from the local store (no reinstall)",
    min: 2,
    max: 2,
    run: async (ctx, [upstream, version]) => {
      const body = await ctx.api.request<{ upstream: string; version: string; previous: string | null }>("POST", `/packages/${seg(upstream!)}/use`, { version });
      show(ctx, body, switched);
    },
  },
  {
    name: "package rollback",
    usage: "<upstream>",
    summary: "return to the version that served before, from the local store (works offline)",
    min: 1,
    max: 1,
    run: async (ctx, [upstream]) => {
      const body = await ctx.api.request<{ upstream: string; version: string; previous: string | null }>("POST", `/packages/${seg(upstream!)}/rollback`);
      show(ctx, body, switched);
    },
  },
  {
    name: "package update",
    usage: "<upstream>",
    summary: "install the newest version within the range and serve it once it verifies",
    options: { range: { type: "string", value: "range", help: "a semver range to stay within, kept for later updates (e.g. ^2026.8.0)" } },
    min: 1,
    max: 1,
    run: async (ctx, [upstream], o) => {
      const range = str(o.range);
      const body = await ctx.api.request<{ upstream: string; version: string; previous: string | null }>("POST", `/packages/${seg(upstream!)}/update`, range ? { range } : {});
      show(ctx, body, switched);
    },
  },
  {
    name: "package verify",
    usage: "<upstream> [version]",
    summary: "recompute every installed file's hash against the lock: detects tampering",
    min: 1,
    max: 2,
    run: async (ctx, [upstream, version]) => {
      const body = await ctx.api.request<{ version: string; ok: boolean; problems: string[] }>("POST", `/packages/${seg(upstream!)}/verify${version ? `?version=${seg(version)}` : ""}`);
      show(ctx, body, (b) => (b.ok ? `${upstream}@${b.version}: every file matches its lock` : [`${upstream}@${b.version}: TAMPERED`, ...b.problems.map((p) => `  ${p}`)].join("\n")));
    },
  },
  {
    name: "package remove",
    usage: "<upstream> [version]",
    summary: "remove one version from the store, or the package and its upstream",
    min: 1,
    max: 2,
    run: async (ctx, [upstream, version]) => {
      const body = await ctx.api.request<{ removed: string[] }>("DELETE", `/packages/${seg(upstream!)}${version ? `?version=${seg(version)}` : ""}`);
      show(ctx, body, (b) => `removed ${b.removed.join(", ")}`);
    },
  },
  {
    name: "package try",
    usage: "<npm-name>@<version> | <tarball file> | <bundle.mcpb>",
    summary: "run a package in the sandbox against a scratch folder: list its tools, optionally call one; nothing is installed or published",
    options: {
      call: { type: "string", value: "tool", help: "a tool to call once listed" },
      args: { type: "string", value: "json", help: "the call's arguments, a JSON object (default {})" },
      env: { type: "string", multiple: true, value: "NAME=value", help: "a value for an environment variable the package reads (declare it with --allow-env)" },
      "allow-env": { type: "string", multiple: true, value: "NAME", help: "an environment variable the package may read" },
      "allow-net": { type: "string", multiple: true, value: "host[:port]", help: "a host the package may connect to" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [spec], o) => {
      const isFile = existsSync(spec!) && statSync(spec!).isFile();
      const at = spec!.lastIndexOf("@");
      if (!isFile && at < 1) throw new UsageError("give <npm-name>@<version>, the path of a gzipped tar or of an .mcpb bundle");
      let args: unknown = {};
      try {
        args = JSON.parse(str(o.args) ?? "{}");
      } catch {
        throw new UsageError("--args is a JSON object");
      }
      if (o.args !== undefined && !str(o.call)) throw new UsageError("--args goes with --call");
      const input = {
        ...(isFile ? { [spec!.endsWith(".mcpb") ? "mcpb" : "tarball"]: readFileSync(spec!).toString("base64") } : { npm: { name: spec!.slice(0, at), version: spec!.slice(at + 1) } }),
        env: Array.isArray(o.env) ? envPairs(o.env) : {},
        launch: { permissions: { env: strings(o["allow-env"]), net: strings(o["allow-net"]) } },
        ...(str(o.call) ? { call: { name: str(o.call), arguments: args } } : {}),
      };
      const body = await ctx.api.request<{ sha256: string; tools: { name: string; description?: string }[]; call?: { isError: boolean; content: { type: string; text?: string }[] } }>("POST", "/packages/try", input);
      show(ctx, body, (b) =>
        [
          table(["TOOL", "DESCRIPTION"], b.tools.map((t) => [t.name, (t.description ?? "").split("\n")[0]!.slice(0, 80)])),
          ...(b.call ? [`${b.call.isError ? "error" : "result"}: ${b.call.content.map((c) => c.text ?? `[${c.type}]`).join("\n")}`] : []),
        ].join("\n"),
      );
    },
  },
  {
    name: "package publish",
    usage: "<npm-name>@<version> | --server-json <file> | --tarball <file> | --mcpb <file>",
    summary: "publish an MCP server as a signed package entry: from npm, or a gzipped tar or an MCP bundle this node serves (its tools listed by running it once)",
    options: {
      "server-json": { type: "string", value: "file", help: "a server.json of the official MCP registry to import" },
      tarball: { type: "string", value: "file", help: "a gzipped tar in npm's layout (package/...), served by this node to installers" },
      mcpb: { type: "string", value: "file", help: "an MCP bundle (.mcpb, a zip with manifest.json; server type node), served by this node to installers" },
      version: { type: "string", value: "semver", help: "the version of a tarball or a bundle (default: its package.json's or manifest's)" },
      name: { type: "string", value: "name", help: "the package name here (default: the npm name's last part)" },
      previous: { type: "string", value: "version", help: "the version this one follows" },
      licence: { type: "string", value: "spdx", help: "the licence's SPDX id (default: the package's)" },
      price: { type: "string", value: "amount:unit:per", help: "what installing costs, per install or per update (e.g. 5:credits:install); free by default" },
      public: { type: "boolean", help: "publish to every node, not only peers" },
    },
    min: 0,
    max: 1,
    run: async (ctx, [spec], o) => {
      const file = str(o["server-json"]);
      const tarball = str(o.tarball);
      const mcpb = str(o.mcpb);
      if ([file, tarball, mcpb, spec].filter(Boolean).length !== 1) throw new UsageError("give <npm-name>@<version>, --server-json <file>, --tarball <file> or --mcpb <file>");
      const at = spec ? spec.lastIndexOf("@") : -1;
      if (spec && at < 1) throw new UsageError("name an exact version: <npm-name>@<version>");
      const price = str(o.price)?.split(":");
      if (price && (price.length !== 3 || !/^\d+$/.test(price[0]!) || (price[2] !== "install" && price[2] !== "update"))) throw new UsageError("--price <amount>:<unit>:install|update");
      const input = {
        ...(file ? { serverJson: JSON.parse(readFileSync(file, "utf8")) as unknown } : tarball ? { tarball: readFileSync(tarball).toString("base64") } : mcpb ? { mcpb: readFileSync(mcpb).toString("base64") } : { npm: { name: spec!.slice(0, at), version: spec!.slice(at + 1) } }),
        ...(str(o.version) ? { version: str(o.version) } : {}),
        ...(str(o.name) ? { name: str(o.name) } : {}),
        ...(str(o.previous) ? { previous: str(o.previous) } : {}),
        ...(str(o.licence) ? { licence: { id: str(o.licence) } } : {}),
        ...(price ? { price: { amount: Number(price[0]), unit: price[1], per: price[2] } } : {}),
        visibility: o.public ? "public" : "peers",
      };
      const body = await ctx.api.request<{ key: string; id: string }>("POST", "/packages/publish", input);
      show(ctx, body, (b) => `published ${b.key} (entry ${b.id.slice(0, 12)})`);
    },
  },
];
