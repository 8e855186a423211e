// The difference between a configuration file and this node (docs/protocol.md §19.3), as typed
// changes per area. Pure: the state is read elsewhere, so a dry run and an apply plan alike.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { CONFIG_AREAS, itemKey, type ConfigArea, type ConfigBody, type ConfigPackage, type ConfigPeer, type ConfigTool, type ConfigUpstream } from "../../protocol/config/file.ts";
import type { ConfigState, PeerState } from "./state.ts";

export type ChangeAction = "add" | "update" | "remove";

export interface Change {
  area: ConfigArea;
  action: ChangeAction;
  key: string;
  /** The item as it stands here; absent for an add. */
  before?: object;
  /** The item as the file has it; absent for a remove. */
  after?: object;
  /** Why it cannot be applied as things stand (a secret not given, a tool its upstream does not list). */
  blocked?: string;
  /** How it will be applied, when that is not obvious: "in place: prefix or pin mode", "once memory lists it". */
  note?: string;
}

export interface Plan {
  changes: Change[];
  /** What this node holds and the file does not name: left alone, or removed with prune. */
  kept: { area: ConfigArea; key: string }[];
  prune: boolean;
}

export interface PlanOptions {
  prune: boolean;
  /** Names of the secrets the operator gave with the file. */
  secrets: ReadonlySet<string>;
}

const same = (a: object, b: object) => canonicalJson(a) === canonicalJson(b);

export function secretsOf(u: ConfigUpstream): string[] {
  const refs = u.kind === "http" ? u.headers : u.env;
  return Object.values(refs ?? {}).map((r) => r.secret);
}

/** An upstream that differs only in its prefix or pin mode is changed in place; any other is registered again. */
export function changesInPlace(before: ConfigUpstream, after: ConfigUpstream): boolean {
  const { prefix: _a, pins: _b, ...b } = before;
  const { prefix: _c, pins: _d, ...a } = after;
  return same(a, b);
}

function missing(names: string[], given: ReadonlySet<string>): string | undefined {
  const absent = names.filter((n) => !given.has(n));
  return absent.length ? `secrets not given: ${absent.join(", ")}` : undefined;
}

/** What a peer's entry in the file asks of the peer here; the URL only serves to add it. */
const peerSettings = (p: ConfigPeer | PeerState) => ({ alias: p.alias ?? null, state: p.state });

function planUpstreams(file: ConfigUpstream[], here: ConfigUpstream[], o: PlanOptions): Change[] {
  const held = new Map(here.map((u) => [u.name, u]));
  const out: Change[] = [];
  for (const u of file) {
    const before = held.get(u.name);
    if (!before) {
      const blocked = missing(secretsOf(u), o.secrets);
      out.push({ area: "upstreams", action: "add", key: u.name, after: u, ...(blocked ? { blocked } : {}) });
    } else if (!same(before, u)) {
      if (changesInPlace(before, u)) {
        out.push({ area: "upstreams", action: "update", key: u.name, before, after: u, note: "in place: prefix or pin mode" });
        continue;
      }
      const blocked = missing(secretsOf(u), o.secrets);
      out.push({ area: "upstreams", action: "update", key: u.name, before, after: u, note: "registered again: its sessions restart", ...(blocked ? { blocked } : {}) });
    }
  }
  return out;
}

/** Tools come and go with their upstreams: a plan only sets their names, hides and pins. */
function planTools(file: ConfigTool[], here: ConfigTool[], upstreamChanges: Change[]): Change[] {
  const held = new Map(here.map((t) => [itemKey("tools", t), t]));
  const coming = new Set(upstreamChanges.filter((c) => c.action !== "remove").map((c) => c.key));
  const out: Change[] = [];
  for (const t of file) {
    const key = itemKey("tools", t);
    const before = held.get(key);
    if (before && same(before, t)) continue;
    if (before) out.push({ area: "tools", action: "update", key, before, after: t });
    else if (coming.has(t.upstream)) out.push({ area: "tools", action: "update", key, after: t, note: `once ${t.upstream} lists it` });
    else out.push({ area: "tools", action: "update", key, after: t, blocked: `${t.upstream} lists no tool ${t.tool} here` });
  }
  return out;
}

const packageSecrets = (p: ConfigPackage) => Object.values(p.env ?? {}).flatMap((v) => (typeof v === "string" ? [] : [v.secret]));

/** What applying a package item does beyond what its fields say: which versions come, which one serves. */
function packageNote(before: ConfigPackage | undefined, after: ConfigPackage): string {
  const held = new Set(before?.versions ?? []);
  const coming = after.versions.filter((v) => !held.has(v));
  const parts = [
    ...(coming.length > 0 ? [`install ${coming.join(", ")} from ${after.origin}`] : []),
    ...(after.active !== null && after.active !== (before?.active ?? null) ? [`serve ${after.active}`] : []),
  ];
  return parts.join("; ") || "settings only";
}

/** Packages by upstream: each added or brought to the file's versions; a file without the area leaves them all alone. */
function planPackages(file: ConfigPackage[] | undefined, here: ConfigPackage[], o: PlanOptions): { changes: Change[]; rest: string[] } {
  if (file === undefined) return { changes: [], rest: here.map((p) => p.upstream) };
  const { changes, rest } = planKeyed("packages", file, here);
  for (const c of changes) {
    const after = c.after as ConfigPackage;
    c.note = packageNote(c.before as ConfigPackage | undefined, after);
    // Variables are given when a package is installed: only then are their secrets needed.
    if (c.action !== "add" && same({ env: (c.before as ConfigPackage).env ?? {} }, { env: after.env ?? {} })) continue;
    const blocked = missing(packageSecrets(after), o.secrets);
    if (blocked) c.blocked = blocked;
  }
  return { changes, rest };
}

/** Items named by key (shares, peers) or by content (rules, limits): add, update, and what the file leaves out. */
function planKeyed(area: ConfigArea, file: object[], here: object[], compare: (o: object) => object = (o) => o): { changes: Change[]; rest: string[] } {
  const held = new Map(here.map((i) => [itemKey(area, i), i]));
  const changes: Change[] = [];
  for (const item of file) {
    const key = itemKey(area, item);
    const before = held.get(key);
    held.delete(key);
    if (!before) changes.push({ area, action: "add", key, after: item });
    else if (!same(compare(before), compare(item))) changes.push({ area, action: "update", key, before, after: item });
  }
  return { changes, rest: [...held.keys()] };
}

/** The plan of one area, given the upstream changes of the same plan (tools wait for theirs). */
export function planArea(area: ConfigArea, file: ConfigBody, state: ConfigState, o: PlanOptions, upstreamChanges: Change[] = []): Omit<Plan, "prune"> {
  if (area === "tools") return { changes: planTools(file.tools, state.tools, upstreamChanges), kept: [] };
  let changes: Change[];
  let rest: string[];
  if (area === "upstreams") {
    changes = planUpstreams(file.upstreams, state.upstreams, o);
    const named = new Set(file.upstreams.map((u) => u.name));
    rest = state.upstreams.filter((u) => !named.has(u.name)).map((u) => u.name);
  } else if (area === "peers") {
    // A pending peer is not configuration: the file's "active" approves it, and it is never pruned.
    ({ changes, rest } = planKeyed(area, file.peers, state.peers, (p) => peerSettings(p as PeerState)));
    const pending = new Set(state.peers.filter((p) => p.state === "pending").map((p) => p.id));
    rest = rest.filter((id) => !pending.has(id));
  } else if (area === "packages") {
    ({ changes, rest } = planPackages(file.packages, state.packages, o));
    if (file.packages === undefined) return { changes, kept: rest.map((key) => ({ area, key })) };
  } else {
    ({ changes, rest } = planKeyed(area, file[area], state[area]));
  }
  const before = new Map((state[area] as object[]).map((i) => [itemKey(area, i), i]));
  if (o.prune) return { changes: [...changes, ...rest.map((key): Change => ({ area, action: "remove", key, before: before.get(key)! }))], kept: [] };
  return { changes, kept: rest.map((key) => ({ area, key })) };
}

/** The whole plan: every area in the order it is applied. */
export function planConfig(file: ConfigBody, state: ConfigState, o: PlanOptions): Plan {
  const plan: Plan = { changes: [], kept: [], prune: o.prune };
  let upstreamChanges: Change[] = [];
  for (const area of CONFIG_AREAS) {
    const part = planArea(area, file, state, o, upstreamChanges);
    if (area === "upstreams") upstreamChanges = part.changes;
    plan.changes.push(...part.changes);
    plan.kept.push(...part.kept);
  }
  return plan;
}
