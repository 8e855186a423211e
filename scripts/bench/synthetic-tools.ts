// The synthetic catalog of the catalog benchmarks: tool names, descriptions and input schemas
// shaped like those of real SaaS and infrastructure servers, the same for the same N (seeded).
// Past the 20,160 service/verb/object triples of the known services, further tools come from
// invented vendors, each adding its own rare name, as a large real catalog does.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
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

/** Pronounceable vendor names ("Torvexa") from their own seeded stream, distinct from each other. */
function inventedVendors(count: number): [id: string, label: string][] {
  const r = seeded(0x76656e64);
  const onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "kr", "st", "tr"];
  const vowels = ["a", "e", "i", "o", "u"];
  const codas = ["", "", "n", "r", "x", "l", "s"];
  const pick = (xs: string[]) => xs[Math.floor(r() * xs.length)]!;
  const seen = new Set(SERVICES.map(([id]) => id));
  const out: [string, string][] = [];
  while (out.length < count) {
    const id = Array.from({ length: 3 }, () => pick(onsets) + pick(vowels)).join("") + pick(codas);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push([id, id[0]!.toUpperCase() + id.slice(1)]);
  }
  return out;
}

/** The same N tools every time: distinct service/verb/object triples in a seeded shuffle. */
export function syntheticTools(n: number): Tool[] {
  const r = seeded(0x6d637066); // deterministic, so runs compare
  const combos: [number, number, number][] = [];
  for (let s = 0; s < SERVICES.length; s++) for (let v = 0; v < VERBS.length; v++) for (let o = 0; o < OBJECTS.length; o++) combos.push([s, v, o]);
  for (let i = combos.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [combos[i], combos[j]] = [combos[j]!, combos[i]!];
  }
  // Appended after the shuffle, so the first 20,160 tools stay those of earlier runs.
  const services = [...SERVICES, ...inventedVendors(Math.ceil(Math.max(0, n - combos.length) / (VERBS.length * OBJECTS.length)))];
  for (let s = SERVICES.length; s < services.length; s++) for (let v = 0; v < VERBS.length; v++) for (let o = 0; o < OBJECTS.length; o++) combos.push([s, v, o]);
  return combos.slice(0, n).map(([s, v, o]) => {
    const [svc, label] = services[s]!;
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

