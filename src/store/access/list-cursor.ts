// Where a page of an operator's access list starts: after the last row of the page before, by the
// list's own order (keyset paging, so a page costs its rows however deep it is, and rows written
// meanwhile neither repeat nor go missing).
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";

/** A row's place in a list ordered by creation time, then id. */
export interface CreatedAfter {
  at: number;
  id: string;
}

/** Rows after `after` in ascending or descending (created, id) order: one row-value comparison. */
export function createdAfter(created: SQLWrapper, id: SQLWrapper, after: CreatedAfter, direction: "asc" | "desc"): SQL {
  return direction === "asc" ? sql`(${created}, ${id}) > (${after.at}, ${after.id})` : sql`(${created}, ${id}) < (${after.at}, ${after.id})`;
}
