// The node's own tools: discovery over a catalog too large to list, and calling by global id.
import type { Tool } from "@modelcontextprotocol/server";
import { z } from "zod";

export const SEARCH_TOOLS = "search_tools";
export const CALL_TOOL = "call_tool";

export const searchToolsArgs = z.object({
  query: z.string().min(1).max(500),
  limit: z.number().int().min(1).max(50).default(10),
});

export const callToolArgs = z.object({
  id: z.string().min(1).max(600),
  arguments: z.record(z.string(), z.unknown()).optional(),
});

export const metaTools: Tool[] = [
  {
    name: SEARCH_TOOLS,
    title: "Search tools",
    description:
      "Full-text search over every tool this node can reach: names, descriptions and tags. Returns ranked matches with the name to call each by (directly, or through call_tool with its id).",
    inputSchema: {
      type: "object",
      properties: {
        query: { type: "string", description: "Words to look for, e.g. 'weather forecast'." },
        limit: { type: "integer", minimum: 1, maximum: 50, default: 10 },
      },
      required: ["query"],
    },
    outputSchema: {
      type: "object",
      properties: {
        results: {
          type: "array",
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              id: { type: "string" },
              fingerprint: { type: "string" },
              description: { type: "string" },
              upstream: { type: "string" },
              available: { type: "boolean" },
              score: { type: "number" },
              inputSchema: { type: "object" },
            },
            required: ["name", "id", "fingerprint", "upstream", "available", "score"],
          },
        },
      },
      required: ["results"],
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: CALL_TOOL,
    title: "Call a tool by id",
    description:
      "Calls any tool of the catalog by its global id (as returned by search_tools) or by its name, with the given arguments.",
    inputSchema: {
      type: "object",
      properties: {
        id: { type: "string", description: "The tool's global id, or its name." },
        arguments: { type: "object", description: "The tool's arguments.", additionalProperties: true },
      },
      required: ["id"],
    },
  },
];
