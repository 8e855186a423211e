// The Hono environment shared by the node's routes.
export type AppEnv = {
  Bindings: Record<string, unknown>;
  Variables: { defer: (work: Promise<unknown>) => void };
};
