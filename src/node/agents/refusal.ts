// Why an agent or intent request was refused: a typed code the MCP tools and admin routes answer
// with, and nothing stored.
export type AgentRefusalCode =
  | "invalid_request"
  | "not_found"
  | "forbidden"
  | "intent_limit"
  | "unknown_intent"
  | "unknown_offer"
  | "expired"
  | "offer_refused";

export class AgentRefusal extends Error {
  override name = "AgentRefusal";
  constructor(
    readonly code: AgentRefusalCode,
    message: string,
  ) {
    super(message);
  }
}
