// The access lists as the operator's Access page reads them, one list a page at a time (clients
// and rate limits oldest first, API tokens and grants newest first, policy rules in the order
// they are tried, the audit trail newest first), each page after the cursor the page before
// handed out, and how many rows every list holds, counted in the store: a page costs its rows and
// not the whole lists.
import { z } from "zod";
import type { Database } from "../../store/database.ts";
import { accessCounts, type AccessCounts } from "../../store/access/list-counts.ts";
import { listAudit } from "../../store/access/audit-log.ts";
import { grantView, listGrants } from "../../store/access/grants.ts";
import { listApiTokens } from "../../store/access/api-tokens.ts";
import { listClients } from "../../store/access/oauth-clients.ts";
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import type { Access } from "./access.ts";
import { apiTokenView } from "./credentials/api-tokens.ts";
import { clientView } from "./oauth/clients.ts";

type Port = { db: Database; access: Pick<Access, "policy" | "limits"> };

export const ACCESS_LISTS = ["grants", "clients", "tokens", "rules", "limits", "audit"] as const;
export type AccessList = (typeof ACCESS_LISTS)[number];

/** A list's cursor: the sort key of the last row of the page before, as base64url JSON. */
const cursorKey = z.union([z.tuple([z.number().int(), z.string().max(2048)]), z.tuple([z.number().int(), z.string().max(16), z.string().max(2048)]), z.tuple([z.number().int()])]);
type CursorKey = z.infer<typeof cursorKey>;

export class BadAccessCursor extends Error {}

function cursorText(key: CursorKey): string {
  return toBase64url(new TextEncoder().encode(JSON.stringify(key)));
}

/** The key a cursor carries; BadAccessCursor when it is not one this listing handed out for `list`. */
function parseCursor(list: AccessList, text: string): CursorKey {
  let key: CursorKey;
  try {
    key = cursorKey.parse(JSON.parse(new TextDecoder().decode(fromBase64url(text))));
  } catch {
    throw new BadAccessCursor("cursor: not one this listing gave");
  }
  const arity = list === "audit" ? 1 : list === "rules" ? 3 : 2;
  if (key.length !== arity) throw new BadAccessCursor(`cursor: not one of the ${list} list`);
  return key;
}

export interface AccessPage {
  list: AccessList;
  rows: unknown[];
  /** The next page's cursor; null on the last page. */
  next: string | null;
  total: AccessCounts;
}

/** One page of `list` after `cursor` (from the start without one), and every list's count. */
export async function accessPage(s: Port, list: AccessList, cursor: string | undefined, limit: number): Promise<AccessPage> {
  const key = cursor === undefined ? undefined : parseCursor(list, cursor);
  const created = key && key.length === 2 ? { at: key[0], id: key[1] } : undefined;
  const take = limit + 1;
  const read = async (): Promise<{ rows: unknown[]; keys: CursorKey[] }> => {
    switch (list) {
      case "grants": {
        const rows = await listGrants(s.db, { limit: take, ...(created ? { after: created } : {}) });
        return { rows: rows.map(grantView), keys: rows.map((r) => [r.createdAt, r.id]) };
      }
      case "clients": {
        const rows = await listClients(s.db, take, created);
        return { rows: rows.map(clientView), keys: rows.map((r) => [r.createdAt, r.clientId]) };
      }
      case "tokens": {
        const rows = await listApiTokens(s.db, take, created);
        return { rows: rows.map(apiTokenView), keys: rows.map((r) => [r.createdAt, r.id]) };
      }
      case "rules": {
        const after = key && key.length === 3 ? { priority: key[0], effect: key[1], id: key[2] } : undefined;
        const rows = await s.access.policy.list(take, after);
        return { rows, keys: rows.map((r) => [r.priority, r.effect, r.id]) };
      }
      case "limits": {
        const rows = await s.access.limits.list(take, created);
        return { rows, keys: rows.map((r) => [r.createdAt, r.id]) };
      }
      case "audit": {
        const rows = await listAudit(s.db, { limit: take, ...(key ? { before: key[0] } : {}) });
        return { rows: rows.map((e) => ({ ...e, at: new Date(e.at).toISOString() })), keys: rows.map((r) => [r.seq]) };
      }
    }
  };
  const [{ rows, keys }, total] = await Promise.all([read(), accessCounts(s.db)]);
  const more = rows.length > limit;
  return { list, rows: rows.slice(0, limit), next: more ? cursorText(keys[limit - 1]!) : null, total };
}
