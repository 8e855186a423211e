-- The tool search index (0020) replaces the FTS5 table of 0001. Its rows are computed in code,
-- so every upstream's catalog is written again by its next refresh (each tick): forgetting the
-- stored hash makes that refresh count as a change.
DROP TRIGGER IF EXISTS `tools_fts_insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tools_fts_delete`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tools_fts_update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tools_fts_rename`;
--> statement-breakpoint
DROP TABLE IF EXISTS `tools_fts`;
--> statement-breakpoint
UPDATE `upstreams` SET `catalog_hash` = NULL;
