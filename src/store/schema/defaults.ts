// Column defaults every table shares.
import { sql } from "drizzle-orm";

/** Milliseconds since the epoch, as the database sees it when a row is inserted. */
export const now = sql`(unixepoch('subsec') * 1000)`;
