// The real SDK client, connected the way Claude Code connects: streamable HTTP.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "mcpfed-test", version: "0.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** POSTs one raw JSON-RPC body to /mcp, as a client that is not the SDK would. */
export function rawMcp(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body,
  });
}

/** The JSON-RPC answer in a response to one request, sent as JSON or as an SSE stream (a session's). */
export async function answerOf(res: Response): Promise<{ result?: unknown; error?: unknown }> {
  return answerIn(await res.text(), res.headers.get("content-type"));
}

/** The same, from a response's body and content type. */
export function answerIn(text: string, contentType: string | null | undefined): { result?: unknown; error?: unknown } {
  if (!contentType?.includes("text/event-stream")) return JSON.parse(text);
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trimStart())
      .join("\n");
    if (!data) continue;
    const message = JSON.parse(data) as { id?: unknown; result?: unknown; error?: unknown };
    if (message.id !== undefined && ("result" in message || "error" in message)) return message;
  }
  throw new Error(`no answer in the stream: ${text.slice(0, 200)}`);
}
