// Why a private or anonymous call failed: the route could not carry it, or the provider's gateway
// refused it (`refusal`). The relay consumer turns it into its RelayError; src/node/routes does not
// import the relay, which dispatches to it.
import type { RouteKind } from "../../protocol/routes/roles.ts";

export class AnonymousCallError extends Error {
  override name = "AnonymousCallError";
  constructor(
    readonly route: Extract<RouteKind, "private" | "anonymous">,
    message: string,
    readonly refusal?: { peer: string; code: string },
  ) {
    super(message);
  }
}
