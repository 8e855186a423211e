// The conformance checks that do not pass, each with its reason; docs/conformance.md explains them.
// The conformance test asserts these exactly, so a check that starts passing shows up as a failure
// until it is taken off the list.
import type { SuiteName } from "../../scripts/conformance.ts";

type Known = Partial<Record<SuiteName, Record<string, string[]>>>;

/** Checks that fail or warn against the fixture itself, by suite and reason. */
export const NOT_PASSING_DIRECT: Known = {
  "2025-11-25": {
    // The scenario's POST claims protocol 2025-03-26; the SDK primes a stream (event id, retry
    // field) only for 2025-11-25 and later, as that revision specifies. A recommendation, not a MUST.
    "priming events are a 2025-11-25 feature": ["server-sse-polling/server-sse-priming-event", "server-sse-polling/server-sse-retry-field"],
  },
  "2026-07-28": {
    // io.modelcontextprotocol/tasks (SEP-2663) is an extension, not scored by the requirement set,
    // and the fixture does not implement it.
    "the tasks extension is not implemented": [
      "tasks-capability-negotiation/sep-2663-server-rejects-undeclared-client",
      "tasks-capability-negotiation/sep-2663-tasks-methods-non-declaring",
      "tasks-capability-negotiation/tasks-extension-advertised",
      "tasks-capability-negotiation/tasks-per-request-meta-opt-in",
      "tasks-dispatch-and-envelope/sep-2663-durable-create-strong-consistency",
      "tasks-dispatch-and-envelope/sep-2663-legacy-task-param-ignored",
      "tasks-dispatch-and-envelope/sep-2663-tasks-get-invalid-task-id-32602",
      "tasks-dispatch-and-envelope/tasks-immediate-result-shortcut",
      "tasks-dispatch-and-envelope/tasks-result-type-complete-on-non-task-responses",
      "tasks-dispatch-and-envelope/tasks-server-directed-creation-no-hint",
      "tasks-lifecycle/sep-2663-cancel-ack-empty-result",
      "tasks-lifecycle/sep-2663-result-type-task-on-create",
      "tasks-lifecycle/sep-2663-tasks-get-status-completed",
      "tasks-lifecycle/sep-2663-tasks-get-status-failed",
      "tasks-lifecycle/sep-2663-tasks-get-status-working",
      "tasks-lifecycle/sep-2663-tool-error-uses-completed-status",
      "tasks-lifecycle/tasks-cancel-terminal-idempotent-ack",
      "tasks-lifecycle/tasks-sync-tool-call",
      "tasks-mrtr-composition/sep-2663-mrtr-synchronous-before-task-creation",
      "tasks-mrtr-input/sep-2663-tasks-get-status-input-required",
      "tasks-mrtr-input/tasks-mrtr-partial-fulfillment",
      "tasks-mrtr-input/tasks-mrtr-tasks-update-resumes",
      "tasks-request-headers/sep-2663-routing-headers-accepted-on-tasks-get",
      "tasks-request-headers/sep-2663-server-rejects-mismatched-mcp-name-on-tasks-get",
      "tasks-request-headers/tasks-headers-tolerate-mcp-method-on-tools-call",
      "tasks-request-state-removal/tasks-request-state-removal-setup",
      "tasks-required-task-error/sep-2663-server-returns-missing-capability-when-required",
      "tasks-wire-fields/tasks-no-early-ttl-expiry",
      "tasks-wire-fields/tasks-no-related-task-meta-on-inlined-result",
      "tasks-wire-fields/tasks-wire-field-renames",
    ],
  },
};

// Checks that pass against the fixture directly but not through a node, by reason. Each reason
// says whether it lies outside the node or is work left in the node (docs/conformance.md).
const UPSTREAM_DISCONNECT_NOT_MIRRORED =
  "the node speaks 2026-07-28 to the fixture, the newest revision both speak; that revision has no stream resumption, so the fixture's test_reconnection cuts nothing and the client's stream carries the result uncut (the node does not mirror a cut either)";

/** Lost through one node (B), by suite and reason. */
export const LOST_THROUGH_A_NODE: Known = {
  "2025-11-25-next": { [UPSTREAM_DISCONNECT_NOT_MIRRORED]: ["server-sse-polling/server-sse-disconnect-resume"] },
};

/** Lost across the federation hop (A → B → fixture), beyond those lost through one node. */
export const LOST_ACROSS_THE_HOP: Known = {
  "2026-07-28": {
    "work left: an upstream's list_changed reaches the listeners of the node that fronts it; a peer's listeners hear only of a change in the shared items, and the fixture announces without one": [
      "server-stateless/sep-2575-server-sends-prompts-list-changed-on-subscription",
      "server-stateless/sep-2575-server-sends-tools-list-changed-on-subscription",
    ],
  },
};

export function listed(known: Known, suite: SuiteName): string[] {
  return Object.values(known[suite] ?? {})
    .flat()
    .sort();
}
