// What an intent's `request` hash covers: the tool's name at its origin and the arguments, so a
// record proves which call was paid for without either node revealing the arguments to anyone.
import { contentHash } from "./record.ts";

export function requestHash(name: string, args: Record<string, unknown> | undefined): Promise<string> {
  return contentHash({ name, arguments: args ?? {} });
}
