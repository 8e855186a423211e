// A span's outcome in a word: never an error's message, which may carry what a caller sent.
export function outcomeOf(value: unknown): string {
  if (value instanceof Error) return value.name.slice(0, 64);
  if (typeof value === "object" && value !== null && (value as { isError?: unknown }).isError === true) return "tool_error";
  return "ok";
}
