// The audit chain's state for a page that shows it on every view (the console's overview): from
// the head the tick last verified (sealed-positions.ts), or the whole chain when there is none, once
// per process or isolate, then only the entries appended since, and that the last verified entry
// is unchanged. An older entry altered after it was verified is found by the
// full check (`GET /admin/audit/verify`, `mcpfed audit verify`), not here; walking the whole
// chain on each view would cost one HMAC and one row per entry ever audited.
import type { Database } from "../../../store/database.ts";
import { verifyAuditTrail, type AuditVerification, type VerifiedHead } from "./audit-trail.ts";
import { readAuditPosition } from "./sealed-positions.ts";

export class AuditChainWatch {
  #verified: VerifiedHead | undefined;

  constructor(
    private readonly db: Database,
    private readonly key: () => Promise<Uint8Array>,
  ) {}

  async check(): Promise<AuditVerification> {
    const key = await this.key();
    const from = this.#verified ?? (await readAuditPosition(this.db, key, "audit_head"));
    const result = await verifyAuditTrail(this.db, key, from ? { after: from } : {});
    // A break is reported until a walk finds the chain whole again.
    this.#verified = result.ok ? { seq: result.entries, hash: result.head } : undefined;
    return result;
  }
}
