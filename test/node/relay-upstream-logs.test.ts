// Which upstream log messages a provider streams to its consumer as log frames (docs/protocol.md §6.6).
import { describe, expect, it } from "vitest";
import { logEntryFor } from "../../src/node/relay/upstream-logs.ts";
import { MAX_LOG_DATA_BYTES } from "../../src/protocol/messages/relay.ts";

describe("logEntryFor", () => {
  it("passes a message at the call's level or above, with its logger", () => {
    expect(logEntryFor({ level: "warning", logger: "db", data: { slow: true } }, "warning")).toEqual({ level: "warning", logger: "db", data: { slow: true } });
    expect(logEntryFor({ level: "emergency", data: "down" }, "info")).toEqual({ level: "emergency", data: "down" });
  });

  it("drops a message below the call's level", () => {
    expect(logEntryFor({ level: "debug", data: "noise" }, "info")).toBeUndefined();
    expect(logEntryFor({ level: "error", data: "x" }, "critical")).toBeUndefined();
  });

  it("drops what a log frame cannot carry: an unknown level, no data, data over the bound", () => {
    expect(logEntryFor({ level: "verbose", data: "x" }, "debug")).toBeUndefined();
    expect(logEntryFor({ level: "info" }, "debug")).toBeUndefined();
    expect(logEntryFor({ level: "info", data: "x".repeat(MAX_LOG_DATA_BYTES) }, "debug")).toBeUndefined();
    expect(logEntryFor({ level: "info", data: "x".repeat(MAX_LOG_DATA_BYTES - 2) }, "debug")).toBeDefined();
  });
});
