// The policy engine, table-driven: which rule decides, and what happens when none does.
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/node/access/principals/principal.ts";
import { scopeFor } from "../../src/node/access/principals/scopes.ts";
import { decideCall, decideRequest, globMatches, sortRules, type Rule, type ToolFacts } from "../../src/node/access/policy/engine.ts";
import { limitMatches, type LimitRow } from "../../src/node/access/limits/limiter.ts";

const who = (kind: Principal["kind"], subject: string, roles: string[] = [], relayedFor?: string): Principal => ({
  kind,
  subject,
  id: kind === "anonymous" ? "anonymous" : `${kind === "api-token" ? "token" : kind}:${subject}`,
  name: subject,
  scopes: ["mcp:read", "mcp:call", "mcp:grants"],
  roles,
  ...(relayedFor ? { relayedFor } : {}),
});

const alice = who("client", "alice");
const ops = who("api-token", "tok_ops", ["ops"]);
const anon = who("anonymous", "anonymous");
const peer = who("peer", "node-b", ["partner"], "client:carol");

const tool = (name: string, upstream: string, tags: string[] = [], visibility = "listed"): ToolFacts => ({
  id: `local/${upstream}/${name.replace(`${upstream}_`, "")}`,
  name,
  upstream,
  tags: [upstream, ...tags],
  visibility,
});

const echo = tool("github_echo", "github", ["read-only"]);
const del = tool("github_delete_repo", "github", ["destructive"]);
const pay = tool("stripe_refund", "stripe", ["destructive"], "pinned");

let n = 0;
const rule = (r: Partial<Rule>): Rule => ({
  id: r.id ?? `r${++n}`,
  priority: 100,
  action: "call",
  effect: "allow",
  subjectKind: null,
  subjectId: null,
  role: null,
  tag: null,
  upstream: null,
  tool: null,
  visibility: null,
  trustTier: null,
  ttlSeconds: null,
  ...r,
});

describe("decideCall", () => {
  const cases: { name: string; rules: Rule[]; who: Principal; tool: ToolFacts; effect: Rule["effect"]; rule?: string | null }[] = [
    { name: "no rules: a local client may call anything", rules: [], who: alice, tool: del, effect: "allow", rule: null },
    { name: "no rules: anonymous may call anything", rules: [], who: anon, tool: pay, effect: "allow", rule: null },
    { name: "no rules: a peer may call nothing", rules: [], who: peer, tool: echo, effect: "deny", rule: null },
    { name: "a tag rule denies destructive tools", rules: [rule({ id: "t", effect: "deny", tag: "destructive" })], who: alice, tool: del, effect: "deny", rule: "t" },
    { name: "the tag rule leaves other tools alone", rules: [rule({ effect: "deny", tag: "destructive" })], who: alice, tool: echo, effect: "allow", rule: null },
    {
      name: "a lower priority number is tried first",
      rules: [rule({ id: "late", priority: 50, effect: "deny", tag: "destructive" }), rule({ id: "early", priority: 10, role: "ops", tag: "destructive" })],
      who: ops,
      tool: del,
      effect: "allow",
      rule: "early",
    },
    {
      name: "at equal priority deny beats allow",
      rules: [rule({ id: "a", role: "ops" }), rule({ id: "d", effect: "deny", upstream: "github" })],
      who: ops,
      tool: echo,
      effect: "deny",
      rule: "d",
    },
    {
      name: "at equal priority grant beats allow",
      rules: [rule({ id: "a", upstream: "stripe" }), rule({ id: "g", effect: "grant", upstream: "stripe" })],
      who: alice,
      tool: pay,
      effect: "grant",
      rule: "g",
    },
    { name: "a role rule does not match a caller without the role", rules: [rule({ effect: "deny", role: "intern" })], who: ops, tool: echo, effect: "allow", rule: null },
    { name: "subject kind narrows a rule", rules: [rule({ effect: "deny", subjectKind: "api-token" })], who: alice, tool: echo, effect: "allow", rule: null },
    { name: "subject id globs over the bare id", rules: [rule({ id: "s", effect: "deny", subjectKind: "client", subjectId: "ali*" })], who: alice, tool: echo, effect: "deny", rule: "s" },
    { name: "subject id may name the full principal id", rules: [rule({ id: "s", effect: "deny", subjectId: "token:tok_ops" })], who: ops, tool: echo, effect: "deny", rule: "s" },
    { name: "tool globs over the short name", rules: [rule({ id: "x", effect: "deny", tool: "github_*" })], who: alice, tool: del, effect: "deny", rule: "x" },
    { name: "tool globs over the global id", rules: [rule({ id: "x", effect: "deny", tool: "local/stripe/*" })], who: alice, tool: pay, effect: "deny", rule: "x" },
    { name: "upstream globs", rules: [rule({ id: "u", effect: "grant", upstream: "str*" })], who: alice, tool: pay, effect: "grant", rule: "u" },
    { name: "visibility matches exactly", rules: [rule({ id: "v", effect: "deny", visibility: "pinned" })], who: alice, tool: pay, effect: "deny", rule: "v" },
    { name: "visibility does not match another value", rules: [rule({ effect: "deny", visibility: "pinned" })], who: alice, tool: echo, effect: "allow", rule: null },
    { name: "every field of a rule must hold", rules: [rule({ effect: "deny", upstream: "github", tag: "payments" })], who: alice, tool: del, effect: "allow", rule: null },
    { name: "a rule shares a tool with a peer by role", rules: [rule({ id: "p", subjectKind: "peer", role: "partner", tag: "read-only" })], who: peer, tool: echo, effect: "allow", rule: "p" },
    { name: "a peer share leaves other tools denied", rules: [rule({ subjectKind: "peer", tag: "read-only" })], who: peer, tool: del, effect: "deny", rule: null },
    { name: "request rules do not decide calls", rules: [rule({ action: "request", effect: "deny" })], who: alice, tool: echo, effect: "allow", rule: null },
    { name: "a trust tier rule matches a peer that reached the tier", rules: [rule({ id: "k", subjectKind: "peer", trustTier: "known", tag: "destructive" })], who: { ...peer, trustTiers: ["newcomer", "known"] }, tool: del, effect: "allow", rule: "k" },
    { name: "a trust tier rule leaves a peer below it denied", rules: [rule({ subjectKind: "peer", trustTier: "trusted", tag: "destructive" })], who: { ...peer, trustTiers: ["newcomer", "known"] }, tool: del, effect: "deny", rule: null },
    { name: "a trust tier rule never matches a caller without tiers", rules: [rule({ effect: "deny", trustTier: "newcomer" })], who: alice, tool: echo, effect: "allow", rule: null },
    { name: "a deny by trust tier holds peers back until they reach it", rules: [rule({ id: "low", priority: 10, effect: "deny", subjectKind: "peer" }), rule({ id: "hi", priority: 5, subjectKind: "peer", trustTier: "trusted" })], who: { ...peer, trustTiers: ["newcomer", "known"] }, tool: echo, effect: "deny", rule: "low" },
  ];
  it.each(cases)("$name", ({ rules, who, tool, effect, rule: expected }) => {
    const d = decideCall(sortRules(rules), who, tool);
    expect(d.effect).toBe(effect);
    if (expected !== undefined) expect(d.rule).toBe(expected);
    expect(d.reason.length).toBeGreaterThan(0);
  });
});

describe("sortRules", () => {
  it("orders ties of priority and effect by id in code units, as the store's paged listing does", () => {
    // localeCompare would put "rule_a" before "rule_W"; SQLite's BINARY order, and so the Access page's cursor, the other way.
    const ids = sortRules([rule({ id: "rule_a", priority: 5 }), rule({ id: "rule_W", priority: 5 }), rule({ id: "rule_0", priority: 5, effect: "deny" }), rule({ id: "rule_Z", priority: 1 })]).map((r) => r.id);
    expect(ids).toEqual(["rule_Z", "rule_0", "rule_W", "rule_a"]);
  });
});

describe("decideRequest", () => {
  const gate = rule({ id: "gate", effect: "grant", upstream: "stripe" });
  const cases: { name: string; rules: Rule[]; who: Principal; tools: ToolFacts[]; outcome: string; ttl?: number | null }[] = [
    { name: "no request rule: pending for the operator", rules: [gate], who: alice, tools: [pay], outcome: "pending" },
    { name: "an approving rule approves", rules: [gate, rule({ action: "request", role: "ops", ttlSeconds: 600 })], who: ops, tools: [pay], outcome: "approve", ttl: 600 },
    { name: "the approving rule must match the caller", rules: [gate, rule({ action: "request", role: "ops" })], who: alice, tools: [pay], outcome: "pending" },
    { name: "a refusing rule denies", rules: [gate, rule({ action: "request", effect: "deny", subjectKind: "anonymous" })], who: anon, tools: [pay], outcome: "deny" },
    { name: "a tool the caller may not call cannot be granted", rules: [rule({ effect: "deny", upstream: "stripe" }), rule({ action: "request" })], who: alice, tools: [pay], outcome: "deny" },
    { name: "a resource naming no tool is denied", rules: [], who: alice, tools: [], outcome: "deny" },
    {
      name: "several tools: approved only if each is, with the shortest ttl",
      rules: [rule({ action: "request", tag: "read-only", ttlSeconds: 300 }), rule({ action: "request", tag: "destructive", ttlSeconds: 60 })],
      who: alice,
      tools: [echo, del],
      outcome: "approve",
      ttl: 60,
    },
    { name: "several tools: one without a rule leaves it pending", rules: [rule({ action: "request", upstream: "github" })], who: alice, tools: [echo, pay], outcome: "pending" },
    { name: "several tools: one refused denies all", rules: [rule({ action: "request", upstream: "github" }), rule({ action: "request", effect: "deny", upstream: "stripe" })], who: alice, tools: [echo, pay], outcome: "deny" },
  ];
  it.each(cases)("$name", ({ rules, who, tools, outcome, ttl }) => {
    const d = decideRequest(sortRules(rules), who, tools);
    expect(d.outcome).toBe(outcome);
    if (ttl !== undefined && d.outcome === "approve") expect(d.ttlSeconds).toBe(ttl);
  });
});

describe("globs, limits and scopes", () => {
  it.each([
    ["github_*", "github_echo", true],
    ["*_echo", "github_echo", true],
    ["git*ho", "github_echo", true],
    ["github_echo", "github_echo", true],
    ["github_echo", "github_echo2", false],
    ["github.echo", "githubXecho", false],
    ["*", "", true],
  ] as const)("%s against %s: %s", (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });

  const limit = (l: Partial<LimitRow>): LimitRow => ({ id: "l", subjectKind: null, subjectId: null, tool: null, windowSeconds: 60, maxRequests: 1, maxConcurrent: null, createdAt: 0, ...l });
  it.each([
    [limit({}), alice, echo, true],
    [limit({ subjectKind: "peer" }), alice, echo, false],
    [limit({ subjectKind: "peer" }), peer, echo, true],
    [limit({ subjectId: "tok_*" }), ops, echo, true],
    [limit({ tool: "stripe_*" }), ops, echo, false],
    [limit({ tool: "local/stripe/*" }), ops, pay, true],
  ])("limit %# applies: %s", (l, p, t, expected) => {
    expect(limitMatches(l, p, t)).toBe(expected);
  });

  it.each([
    [{ method: "initialize" }, undefined],
    [{ method: "ping" }, undefined],
    [{ method: "notifications/initialized" }, undefined],
    [{ method: "tools/list" }, "mcp:read"],
    [{ method: "tools/call", params: { name: "search_tools" } }, "mcp:read"],
    [{ method: "tools/call", params: { name: "github_echo" } }, "mcp:call"],
    [{ method: "tools/call", params: { name: "request_permission" } }, "mcp:grants"],
    [{ method: "resources/read", params: { uri: "grants://active" } }, "mcp:grants"],
    [{ method: "resources/read", params: { uri: "file:///x" } }, "mcp:read"],
    [{ method: "prompts/get" }, "mcp:read"],
    [{ jsonrpc: "2.0", id: 1, result: {} }, undefined],
  ])("a %j needs %s", (message, scope) => {
    expect(scopeFor(message)).toBe(scope);
  });
});
