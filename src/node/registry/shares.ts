// What the operator shares, and the registry this node holds, as the admin API reads them.
import type { Entry } from "../../protocol/registry/entry.ts";
import type { Database } from "../../store/database.ts";
import { listEntries } from "../../store/registry.ts";

type Port = { db: Database };

/** The held entries, newest first: every origin's, or one origin's, with the peer each came from. */
export const heldEntries = (s: Port, origin?: string): Promise<(Entry & { source: string | null })[]> => listEntries(s.db, origin);
