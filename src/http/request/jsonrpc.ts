// JSON-RPC error bodies for answers given before the MCP server is reached.
export function jsonRpcError(code: number, message: string, data?: Record<string, unknown>) {
  return { jsonrpc: "2.0" as const, id: null, error: { code, message, ...(data ? { data } : {}) } };
}
