// Who is on the other end of one /mcp request: what every use case serving it is handed.
import type { Principal } from "./principal.ts";

export interface Caller {
  /** The principal's id, as the invocation log records it. */
  id: string;
  principal: Principal;
  defer: (work: Promise<unknown>) => void;
  /** The node's origin as this caller addressed it, for links sent back to it. */
  origin?: string;
}
