// The layering of src/ (docs/architecture.md). Runs in `npm test`: a violation fails CI.
// protocol < secrets < store < node < http < runtimes; cli talks to a node over HTTP only.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "protocol-is-pure",
      comment: "The protocol core mirrors docs/protocol.md and imports nothing else from src/.",
      severity: "error",
      from: { path: "^src/protocol/" },
      to: { path: "^src/", pathNot: "^src/protocol/" },
    },
    {
      name: "secrets-below-store",
      comment: "Sealing and redaction sit under the store: they import only the protocol core.",
      severity: "error",
      from: { path: "^src/secrets/" },
      to: { path: "^src/", pathNot: "^src/(protocol|secrets)/" },
    },
    {
      name: "store-below-node",
      comment: "The store knows tables and repositories, not use cases or HTTP.",
      severity: "error",
      from: { path: "^src/store/" },
      to: { path: "^src/", pathNot: "^src/(protocol|secrets|store)/" },
    },
    {
      name: "node-below-http",
      comment: "Use cases never reach for the HTTP surfaces that serve them.",
      severity: "error",
      from: { path: "^src/node/" },
      to: { path: "^src/(http|runtimes|cli)/" },
    },
    {
      name: "http-off-the-store",
      comment: "HTTP surfaces reach state only through the node's use cases.",
      severity: "error",
      from: { path: "^src/http/" },
      to: { path: "^src/(store|runtimes|cli)/" },
    },
    {
      name: "runtimes-are-entry-points",
      comment: "Runtime entry points pass a Platform in; nothing imports them.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/runtimes/" },
      to: { path: "^src/runtimes/" },
    },
    {
      name: "cli-is-a-client",
      comment: "The CLI talks to a node's admin API; it may share the protocol core and response types.",
      severity: "error",
      from: { path: "^src/cli/" },
      to: { path: "^src/(http|runtimes|store)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "nothing-imports-the-cli",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "node-modules-only-at-the-edge",
      comment: "Only runtime entry points and the CLI may use node: modules; the rest runs on Workers and Deno.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(runtimes|cli)/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "no-circular",
      comment: "No module cycles (folder-level cycles are checked by test/architecture.test.ts).",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^src/store/migrations\\.gen\\.ts$" },
  },
};
