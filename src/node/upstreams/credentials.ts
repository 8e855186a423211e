// Principals' own credentials for per-principal upstreams, sealed at rest under the upstream and
// the principal: a value copied to another principal's row, or read without NODE_SEED, opens nowhere.
import type { SecretBox } from "../../secrets/sealed-box.ts";
import type { Database } from "../../store/database.ts";
import { credentialHolders, getCredential, putCredential, removeCredential, type CredentialKind } from "../../store/upstream-credentials.ts";

export interface CredentialEntry {
  principal: string;
  kind: CredentialKind;
  createdAt: string;
  updatedAt: string;
}

function context(upstream: string, principal: string): string {
  return `upstream-credentials/${upstream}/${principal}`;
}

export class UpstreamCredentials {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  /** The principal's credential, opened; re-sealed on the way if an older NODE_SEED sealed it. */
  async get<T>(upstream: string, principal: string): Promise<{ kind: CredentialKind; value: T } | undefined> {
    const row = await getCredential(this.db, upstream, principal);
    if (!row) return undefined;
    const plain = await this.box.open(row.secret, context(upstream, principal));
    if (!(await this.box.current(row.secret))) await this.put(upstream, principal, row.kind, JSON.parse(plain));
    return { kind: row.kind, value: JSON.parse(plain) as T };
  }

  async put(upstream: string, principal: string, kind: CredentialKind, value: unknown): Promise<void> {
    const secret = await this.box.seal(JSON.stringify(value), context(upstream, principal));
    await putCredential(this.db, upstream, principal, kind, secret);
  }

  /** False when the principal held no credential for the upstream. */
  remove(upstream: string, principal: string): Promise<boolean> {
    return removeCredential(this.db, upstream, principal);
  }

  /** Who holds a credential for the upstream: never the values. */
  async list(upstream: string): Promise<CredentialEntry[]> {
    const rows = await credentialHolders(this.db, upstream);
    return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString(), updatedAt: new Date(r.updatedAt).toISOString() }));
  }
}
