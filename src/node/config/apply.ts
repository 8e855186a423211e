// Applying a configuration file (docs/protocol.md §19.3): area by area, each planned against the
// node as it then stands (an upstream's tools exist once it is added), each change made through
// the use cases the admin API calls and audited. A change that fails is reported, not retried;
// the rest go on. Applying the same file again plans nothing.
import { z } from "zod";
import { CONFIG_AREAS, itemKey, type ConfigArea, type ConfigBody, type ConfigLimit, type ConfigPeer, type ConfigRule, type ConfigShare, type ConfigTool, type ConfigUpstream } from "../../protocol/config/file.ts";
import { pricing } from "../../protocol/ledger/pricing.ts";
import { toolOfKey } from "../../protocol/registry/entry.ts";
import type { AuditTrail } from "../access/audit/audit-trail.ts";
import { limitInput, type RateLimiter } from "../access/limits/limiter.ts";
import { ruleInput, type PolicyStore } from "../access/policy/rules.ts";
import { changeCatalogTool, currentNames, refuseNewCollisions, aliasPeer } from "../catalog/names.ts";
import { localTool } from "../catalog/local.ts";
import { approve, introduce, type PeeringPort } from "../peers/hello.ts";
import { findPeer, forgetPeer, setPeerState } from "../peers/directory.ts";
import { republishNames, shareTool } from "../registry/share-local.ts";
import type { Registry } from "../registry/registry.ts";
import type { Gossip } from "../gossip/gossip.ts";
import type { Config } from "../settings/config.ts";
import { globalToolId } from "../../store/catalog-names.ts";
import { findUpstream, registerUpstream, removeUpstream, setUpstreamPrefix, operatorUpstreamInput, type RegistrationPorts } from "../upstreams/registration.ts";
import { changesInPlace, planArea, type Change, type Plan } from "./plan.ts";
import type { ConfigPackage } from "../../protocol/config/file.ts";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { chooseEntry, installPackage } from "../packages/install.ts";
import type { PackagePorts } from "../packages/ports.ts";
import { remove as removePackage } from "../packages/versions.ts";
import { switchTo } from "../packages/switch.ts";
import { listInstalled, setRange } from "../../store/packages.ts";
import { limitItem, readArea, ruleItem, type ConfigState, type ConfigStatePorts } from "./state.ts";

/** What applying needs: the ports of every use case it calls. */
export type ConfigApplyPorts = ConfigStatePorts &
  RegistrationPorts &
  PackagePorts &
  PeeringPort &
  Parameters<typeof changeCatalogTool>[0] &
  Parameters<typeof setPeerState>[0] & {
    registry: Registry;
    gossip: Pick<Gossip, "changed">;
    config: Pick<Config, "trust">;
    access: ConfigStatePorts["access"] & {
      policy: Pick<PolicyStore, "add" | "remove">;
      limits: Pick<RateLimiter, "add" | "remove">;
      audit: Pick<AuditTrail, "append">;
    };
  };

export interface ApplyOptions {
  prune: boolean;
  /** Secret values by the names the file gives them; never stored beyond the upstream's sealed fields. */
  secrets: Readonly<Record<string, string>>;
  /** This request's URL: hellos to new peers carry this node's origin. */
  requestUrl: string;
}

export interface Outcome {
  change: Change;
  ok: boolean;
  error?: string;
}

class ChangeRefused extends Error {
  override name = "ChangeRefused";
}

/** The file's upstream as the admin API takes it, its secrets filled in. */
function upstreamInputOf(u: ConfigUpstream, secrets: ApplyOptions["secrets"]) {
  const fill = (refs: Record<string, { secret: string }> | undefined) => (refs ? Object.fromEntries(Object.entries(refs).map(([k, r]) => [k, secrets[r.secret]!])) : undefined);
  const input = u.kind === "http" ? { ...u, headers: fill(u.headers) } : { ...u, env: fill(u.env) };
  const parsed = operatorUpstreamInput.safeParse(input);
  if (!parsed.success) throw new ChangeRefused(`${u.name}: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

async function register(s: ConfigApplyPorts, u: ConfigUpstream, o: ApplyOptions): Promise<void> {
  const input = upstreamInputOf(u, o.secrets);
  const names = await currentNames(s);
  const registered = await registerUpstream(s, input);
  if (!registered.ok) throw new ChangeRefused(registered.message);
  try {
    await refuseNewCollisions(s, names);
  } catch (err) {
    await removeUpstream(s, u.name);
    throw new ChangeRefused(`${u.name} was not added: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function applyUpstream(s: ConfigApplyPorts, c: Change, o: ApplyOptions): Promise<void> {
  const after = c.after as ConfigUpstream | undefined;
  if (c.action === "remove") {
    await removeUpstream(s, c.key);
  } else if (c.action === "add") {
    await register(s, after!, o);
  } else if (changesInPlace(c.before as ConfigUpstream, after!)) {
    const before = c.before as ConfigUpstream;
    if (before.pins !== after!.pins) await s.definitionPins.setStrict(c.key, after!.pins === "strict");
    if (before.prefix !== after!.prefix) {
      await setUpstreamPrefix(s, (await findUpstream(s, c.key))!, after!.prefix ?? null);
      if (await republishNames(s)) s.gossip.changed();
    }
  } else {
    // Checked before the old one goes: a file that cannot register must not leave the node without it.
    upstreamInputOf(after!, o.secrets);
    await removeUpstream(s, c.key);
    await register(s, after!, o);
  }
}

async function applyTool(s: ConfigApplyPorts, c: Change): Promise<void> {
  const t = c.after as ConfigTool;
  const tool = await localTool(s, { globalId: globalToolId(s.nodeId, t.upstream, t.tool) });
  if (!tool) throw new ChangeRefused(`${t.upstream} lists no tool ${t.tool}`);
  await changeCatalogTool(s, { local: tool }, { ...(tool.shortName !== t.name ? { shortName: t.name } : {}), hidden: t.hidden, pinned: t.pinned });
  if (await republishNames(s)) s.gossip.changed();
}

async function applyShare(s: ConfigApplyPorts, c: Change): Promise<void> {
  if (c.action === "remove") {
    await s.registry.withdraw(c.key, "tool");
    s.gossip.changed();
    return;
  }
  const share = c.after as ConfigShare;
  const { upstream, tool: name } = toolOfKey(share.key);
  const tool = await localTool(s, { globalId: globalToolId(s.nodeId, upstream, name) });
  if (!tool) throw new ChangeRefused(`${upstream} lists no tool ${name}`);
  const price = z.union([z.null(), pricing]).safeParse(share.pricing);
  if (!price.success) throw new ChangeRefused(`${share.key}: pricing: ${price.error.issues[0]?.message}`);
  const label = share.key.split("@")[1];
  const { stored } = await shareTool(s, tool.shortName, {
    visibility: share.visibility,
    version: share.version,
    label,
    tags: share.tags,
    pricing: price.data ?? undefined,
    cacheTtlSeconds: share.cacheTtlSeconds,
    replicable: share.replicable,
  });
  if (stored.length > 0) s.gossip.changed();
}

/** Rules and limits have no name: another content is another key, so they are only added and removed. */
async function applyRule(s: ConfigApplyPorts, c: Change): Promise<void> {
  if (c.action === "add") {
    const rule = ruleInput.safeParse(c.after as ConfigRule);
    if (!rule.success) throw new ChangeRefused(`${rule.error.issues[0]?.path.join(".")} ${rule.error.issues[0]?.message}`);
    const tier = rule.data.trustTier;
    if (tier !== undefined && !s.config.trust.tiers.some((t) => t.name === tier)) throw new ChangeRefused(`trustTier: no tier named ${tier} in TRUST_TIERS`);
    await s.access.policy.add(rule.data);
    return;
  }
  const held = (await s.access.policy.list()).find((r) => itemKey("policy", ruleItem(r)) === c.key);
  if (!held || !(await s.access.policy.remove(held.id))) throw new ChangeRefused("the rule is gone");
}

async function applyLimit(s: ConfigApplyPorts, c: Change): Promise<void> {
  if (c.action === "add") {
    const limit = limitInput.safeParse(c.after as ConfigLimit);
    if (!limit.success) throw new ChangeRefused(`${limit.error.issues[0]?.path.join(".")} ${limit.error.issues[0]?.message}`);
    await s.access.limits.add(limit.data);
    return;
  }
  const held = (await s.access.limits.list()).find((l) => itemKey("limits", limitItem(l)) === c.key);
  if (!held || !(await s.access.limits.remove(held.id))) throw new ChangeRefused("the limit is gone");
}

async function applyPeer(s: ConfigApplyPorts, c: Change, o: ApplyOptions): Promise<void> {
  if (c.action === "remove") {
    await forgetPeer(s, c.key);
    return;
  }
  const want = c.after as ConfigPeer;
  let peer = await findPeer(s, want.id);
  if (!peer) {
    const added = await introduce(s, want.url, o.requestUrl);
    if (added.nodeId !== want.id) throw new ChangeRefused(`the node at ${want.url} is ${added.nodeId}, not ${want.id}; it was added as a peer, and the file's peer was not`);
    peer = added;
  }
  if ((peer.alias ?? undefined) !== want.alias) await aliasPeer(s, peer.nodeId, want.alias ?? null);
  if (want.state === "blocked" && peer.state !== "blocked") await setPeerState(s, peer.nodeId, "blocked");
  if (want.state === "active" && peer.state !== "active") {
    if (peer.state === "blocked") await setPeerState(s, peer.nodeId, "active");
    else await approve(s, peer, o.requestUrl);
  }
}

/**
 * A package brought to the file's item: its missing versions installed (checked, and paid for, as
 * any install), the file's version served, the range set, versions the file leaves out removed. The
 * file's permissions must be those its version in use declares, and a variable the entry declares
 * secret must come as a secret: both checked before anything is installed.
 */
async function applyPackage(s: ConfigApplyPorts, c: Change, o: ApplyOptions): Promise<void> {
  if (c.action === "remove") {
    await removePackage(s, c.key);
    return;
  }
  const want = c.after as ConfigPackage;
  const before = c.before as ConfigPackage | undefined;
  if (before && canonicalJson(before.env ?? {}) !== canonicalJson(want.env ?? {})) {
    throw new ChangeRefused(`${c.key}: a package's variables are given when it is installed; remove it to install it with others`);
  }
  const serving = want.active ?? want.versions[want.versions.length - 1]!;
  const entry = await chooseEntry(s, want.name, want.origin, serving);
  const declared = entry.signed.body.launch;
  if (canonicalJson(declared.permissions) !== canonicalJson(want.permissions)) {
    throw new ChangeRefused(`${c.key}: the file grants ${canonicalJson(want.permissions)}, ${want.name}@${serving} declares ${canonicalJson(declared.permissions)}`);
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(want.env ?? {})) {
    const variable = declared.env.find((v) => v.name === name);
    if (!variable) throw new ChangeRefused(`${c.key}: ${want.name}@${serving} declares no variable ${name}`);
    if (variable.secret && typeof value === "string") throw new ChangeRefused(`${c.key}: ${name} is a secret: the file names it, never its value`);
    const given = typeof value === "string" ? value : o.secrets[value.secret];
    if (given !== undefined) env[name] = given;
  }
  const held = new Set((before?.versions ?? []));
  for (const version of want.versions) {
    if (!held.has(version)) await installPackage(s, { name: want.name, origin: want.origin, version, upstream: c.key, env, use: false });
  }
  const rows = await listInstalled(s.db, { upstream: c.key });
  if (want.active !== null && rows.find((r) => r.active)?.version !== want.active) await switchTo(s, c.key, want.active);
  if ((want.range ?? null) !== (rows[0]?.range ?? null)) await setRange(s.db, c.key, want.range ?? null);
  for (const r of rows) if (!want.versions.includes(r.version)) await removePackage(s, c.key, r.version);
}

/** The node as it stands now, in the one area about to be applied. */
async function areaState(s: ConfigApplyPorts, area: ConfigArea): Promise<ConfigState> {
  const state: Record<ConfigArea, object[]> = { upstreams: [], tools: [], shares: [], policy: [], limits: [], peers: [], packages: [] };
  state[area] = await readArea(s, area);
  return state as ConfigState;
}

async function applyChange(s: ConfigApplyPorts, c: Change, o: ApplyOptions): Promise<void> {
  switch (c.area) {
    case "upstreams":
      return applyUpstream(s, c, o);
    case "tools":
      return applyTool(s, c);
    case "shares":
      return applyShare(s, c);
    case "policy":
      return applyRule(s, c);
    case "limits":
      return applyLimit(s, c);
    case "peers":
      return applyPeer(s, c, o);
    case "packages":
      return applyPackage(s, c, o);
  }
}

/** Applies the file: returns each change made or refused, and what was kept. */
export async function applyConfig(s: ConfigApplyPorts, file: ConfigBody, o: ApplyOptions): Promise<{ outcomes: Outcome[]; kept: Plan["kept"] }> {
  const outcomes: Outcome[] = [];
  const kept: Plan["kept"] = [];
  const secrets = new Set(Object.keys(o.secrets));
  let upstreamChanges: Change[] = [];
  for (const area of CONFIG_AREAS) {
    const state = await areaState(s, area);
    const part = planArea(area, file, state, { prune: o.prune, secrets }, upstreamChanges);
    if (area === "upstreams") upstreamChanges = part.changes;
    kept.push(...part.kept);
    for (const change of part.changes) {
      let error: string | undefined = change.blocked;
      if (!error) {
        try {
          await applyChange(s, change, o);
        } catch (err) {
          if (!(err instanceof Error) || err.name === "TypeError" || err.name === "ReferenceError") throw err;
          error = err.message;
        }
      }
      const { before: _b, after: _a, ...shown } = change;
      await s.access.audit.append({ actor: "operator", action: `config.${area}.${change.action}`, target: change.key, decision: error ? "error" : "ok", reason: error ?? change.note ?? null });
      outcomes.push({ change: shown, ok: !error, ...(error ? { error } : {}) });
    }
  }
  return { outcomes, kept };
}
