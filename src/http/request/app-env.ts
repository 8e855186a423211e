// The Hono environment shared by the node's routes.
import type { Principal } from "../../node/access/principals/principal.ts";

export type AppEnv = {
  Bindings: Record<string, unknown>;
  Variables: {
    defer: (work: Promise<unknown>) => void;
    /** Who is calling /mcp, set by src/auth/bearer.ts. */
    principal: Principal;
    /** The caller's network address as the runtime sees it ("unknown" where it cannot tell), for per-source limits. */
    clientAddress: string;
  };
};
