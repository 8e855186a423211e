// An MCP server with N synthetic tools, for the catalog benchmarks: built with the SDK's
// low-level Server, served over streamable HTTP (stateless: one Server per request), with tool
// names, descriptions and input schemas shaped like those of real SaaS and infrastructure
// servers. The catalog is the same for the same N (seeded generator).
//
//   TOOLS=10000 PORT=4100 node --import tsx scripts/bench/many-tools-server.ts
//   optional: PAGE_SIZE=500 to paginate tools/list (default: one page, as McpServer does)
import { createServer } from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { seeded } from "../../test/support/random.ts";

const SERVICES: [id: string, label: string][] = [
  ["github", "GitHub"], ["gitlab", "GitLab"], ["jira", "Jira"], ["linear", "Linear"], ["slack", "Slack"],
  ["discord", "Discord"], ["gmail", "Gmail"], ["outlook", "Outlook"], ["gcal", "Google Calendar"], ["notion", "Notion"],
  ["confluence", "Confluence"], ["gdrive", "Google Drive"], ["dropbox", "Dropbox"], ["s3", "Amazon S3"], ["postgres", "PostgreSQL"],
  ["mysql", "MySQL"], ["redis", "Redis"], ["k8s", "Kubernetes"], ["docker", "Docker"], ["ec2", "Amazon EC2"],
  ["stripe", "Stripe"], ["shopify", "Shopify"], ["salesforce", "Salesforce"], ["hubspot", "HubSpot"], ["zendesk", "Zendesk"],
  ["twilio", "Twilio"], ["sentry", "Sentry"], ["datadog", "Datadog"], ["pagerduty", "PagerDuty"], ["figma", "Figma"],
];
const VERBS = [
  "list", "get", "create", "update", "delete", "search", "archive", "export",
  "import", "sync", "assign", "comment_on", "close", "reopen", "tag", "watch",
];
const OBJECTS = [
  "issue", "pull_request", "branch", "commit", "channel", "message", "thread", "email", "draft", "event",
  "calendar", "page", "database", "file", "folder", "bucket", "object", "table", "row", "query",
  "pod", "deployment", "container", "instance", "invoice", "customer", "subscription", "order", "product", "contact",
  "deal", "ticket", "alert", "incident", "dashboard", "metric", "design", "comment", "user", "team", "webhook", "report",
];
const READ_ONLY = new Set(["list", "get", "search", "export", "watch"]);
const PURPOSES = [
  "Useful for triage and reporting.",
  "Respects the caller's permissions; objects the token cannot see are skipped.",
  "Rate limited by the provider; large requests are paginated.",
  "Changes are visible to other users immediately.",
  "Works across all workspaces the account belongs to.",
  "Timestamps are ISO 8601 in UTC.",
];

const words = (s: string) => s.replace(/_/g, " ");

function describe(r: () => number, verb: string, obj: string, label: string): string {
  const o = words(obj);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const lead: Record<string, string> = {
    list: `Lists ${o}s in ${label}, newest first, with optional filters.`,
    get: `Gets one ${o} from ${label} by its id, with all its fields.`,
    create: `Creates a new ${o} in ${label} and returns its id and URL.`,
    update: `Updates fields of an existing ${o} in ${label}; fields left out are unchanged.`,
    delete: `Permanently deletes a ${o} from ${label}. This cannot be undone.`,
    search: `Searches ${label} ${o}s by free text and structured filters.`,
    archive: `Archives a ${o} in ${label} so that it no longer shows in default views.`,
    export: `Exports ${o}s from ${label} as CSV or JSON for offline analysis.`,
    import: `Imports ${o}s into ${label} from a CSV or JSON document.`,
    sync: `Synchronizes ${o}s between ${label} and its linked systems.`,
    assign: `Assigns a ${o} in ${label} to a user or team.`,
    comment_on: `Adds a comment to a ${o} in ${label}, with Markdown formatting.`,
    close: `Closes a ${o} in ${label}, optionally with a resolution note.`,
    reopen: `Reopens a closed ${o} in ${label}.`,
    tag: `Adds or removes labels on a ${o} in ${label}.`,
    watch: `Subscribes the caller to changes of a ${o} in ${label}.`,
  };
  return `${lead[verb]} ${pick(PURPOSES)}${r() < 0.5 ? ` ${pick(PURPOSES)}` : ""}`;
}

function inputSchema(r: () => number, verb: string, obj: string, label: string): Tool["inputSchema"] {
  const o = words(obj);
  const props: Record<string, object> = {};
  const required: string[] = [];
  if (["list", "search", "export", "sync"].includes(verb)) {
    if (verb === "search") {
      props.query = { type: "string", description: `Free-text query over ${o} titles and bodies.`, minLength: 1 };
      required.push("query");
    }
    props.limit = { type: "integer", minimum: 1, maximum: 100, default: 25, description: "Maximum number of results." };
    props.cursor = { type: "string", description: "Opaque cursor from a previous page." };
    props.sort = { type: "string", enum: ["created", "updated", "relevance"], description: "Sort order." };
    props.filters = {
      type: "object",
      description: `Structured filters for ${o}s.`,
      properties: {
        status: { type: "string", enum: ["open", "closed", "all"] },
        owner: { type: "string", description: "User id or handle." },
        created_after: { type: "string", format: "date-time" },
      },
      additionalProperties: false,
    };
    if (verb === "export") props.format = { type: "string", enum: ["csv", "json"], default: "json" };
  } else if (["create", "import"].includes(verb)) {
    props.workspace = { type: "string", description: `The ${label} workspace or project to create it in.` };
    props.title = { type: "string", description: `Title of the ${o}.`, maxLength: 256 };
    props.body = { type: "string", description: "Markdown body." };
    props.labels = { type: "array", items: { type: "string" }, description: "Labels to apply.", maxItems: 20 };
    if (r() < 0.5) props.visibility = { type: "string", enum: ["private", "internal", "public"], default: "private" };
    if (r() < 0.3) props.due_at = { type: "string", format: "date-time", description: "Deadline, if any." };
    required.push("workspace", "title");
  } else {
    props.id = { type: "string", description: `The ${o}'s id as returned by list or search.` };
    required.push("id");
    if (verb === "update") {
      props.fields = { type: "object", description: "Fields to change.", additionalProperties: true };
      required.push("fields");
    }
    if (verb === "assign") props.assignee = { type: "string", description: "User or team to assign to." };
    if (verb === "comment_on") props.comment = { type: "string", description: "Comment text (Markdown)." };
    if (verb === "close") props.resolution = { type: "string", enum: ["done", "wont_do", "duplicate"] };
    if (verb === "tag") props.add = { type: "array", items: { type: "string" } };
    if (verb === "get") props.include = { type: "array", items: { type: "string", enum: ["comments", "history", "attachments"] } };
  }
  return { type: "object", properties: props, ...(required.length ? { required } : {}) };
}

/** The same N tools every time: distinct service/verb/object triples in a seeded shuffle. */
export function syntheticTools(n: number): Tool[] {
  const r = seeded(0x6d637066); // deterministic, so runs compare
  const combos: [number, number, number][] = [];
  for (let s = 0; s < SERVICES.length; s++) for (let v = 0; v < VERBS.length; v++) for (let o = 0; o < OBJECTS.length; o++) combos.push([s, v, o]);
  if (n > combos.length) throw new Error(`at most ${combos.length} synthetic tools`);
  for (let i = combos.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [combos[i], combos[j]] = [combos[j]!, combos[i]!];
  }
  return combos.slice(0, n).map(([s, v, o]) => {
    const [svc, label] = SERVICES[s]!;
    const verb = VERBS[v]!;
    const obj = OBJECTS[o]!;
    const tool: Tool = {
      name: `${svc}_${verb}_${obj}`,
      title: `${label}: ${words(verb)} ${words(obj)}`,
      description: describe(r, verb, obj, label),
      inputSchema: inputSchema(r, verb, obj, label),
      annotations: {
        readOnlyHint: READ_ONLY.has(verb),
        destructiveHint: verb === "delete",
        openWorldHint: true,
      },
    };
    if (r() < 0.25) {
      tool.outputSchema = {
        type: "object",
        properties: {
          id: { type: "string" },
          url: { type: "string", format: "uri" },
          items: { type: "array", items: { type: "object", properties: { id: { type: "string" }, title: { type: "string" } } } },
        },
      };
    }
    return tool;
  });
}

const count = Number(process.env.TOOLS ?? 1000);
const pageSize = Number(process.env.PAGE_SIZE ?? 0);
const tools = syntheticTools(count);

function buildServer(): Server {
  const server = new Server({ name: "many-tools", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (req) => {
    if (!pageSize) return { tools };
    const start = Number(req.params?.cursor ?? 0);
    const end = start + pageSize;
    return { tools: tools.slice(start, end), ...(end < tools.length ? { nextCursor: String(end) } : {}) };
  });
  server.setRequestHandler(CallToolRequestSchema, async (req) => ({
    content: [{ type: "text", text: `${req.params.name} called` }],
  }));
  return server;
}

const http = createServer(async (req, res) => {
  if (req.method !== "POST") {
    res.writeHead(405, { allow: "POST" }).end();
    return;
  }
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on("close", () => void server.close());
  await server.connect(transport);
  await transport.handleRequest(req, res);
});
http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const addr = http.address() as { port: number };
  const bytes = Buffer.byteLength(JSON.stringify(tools));
  console.log(`many-tools: ${count} tools (${Math.round(bytes / count)} bytes each as JSON) on http://127.0.0.1:${addr.port}/mcp`);
});
